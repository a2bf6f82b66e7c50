package devhost

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// process is the running handler.
type process struct {
	cmd  *exec.Cmd
	port string
	done chan struct{} // closed when the process has exited
	err  error         // its exit error, valid once done is closed
}

// startProcess starts the handler as the host does: the executable from
// host.json in its working directory, FUNCTIONS_CUSTOMHANDLER_PORT set to a
// free loopback port, and the app settings in the environment.
func startProcess(cfg hostConfig, opts Options) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.Executable, cfg.Arguments...)
	cmd.Dir = cfg.WorkDir
	cmd.Env = handlerEnv(opts.Env, port)
	cmd.Stdout = opts.Stdout
	cmd.Stderr = opts.Stderr
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devhost: start %s: %w", cfg.Executable, err)
	}
	p := &process{cmd: cmd, port: port, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// handlerEnv is the handler's environment: a few variables every process
// needs, the app settings, and the port.
func handlerEnv(settings map[string]string, port string) []string {
	env := map[string]string{}
	for _, name := range []string{"PATH", "HOME", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT"} {
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		}
	}
	for k, v := range settings {
		env[k] = v
	}
	env["FUNCTIONS_CUSTOMHANDLER_PORT"] = port
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// awaitReady polls GET / until any HTTP answer, the process exits, or the
// timeout passes.
// The error names what ran out: the handler's own start timeout, or the
// caller's context (which may have been spent before the handler started).
func (p *process) awaitReady(ctx context.Context, client *http.Client, timeout time.Duration) error {
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := "http://127.0.0.1:" + p.port + "/"
	for {
		req, _ := http.NewRequestWithContext(waitCtx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("devhost: handler exited before answering GET /: %v", p.err)
		case <-waitCtx.Done():
			if ctx.Err() != nil {
				return fmt.Errorf("devhost: stopped waiting for the handler to answer GET / on port %s: the caller's context ended: %w", p.port, context.Cause(ctx))
			}
			return fmt.Errorf("devhost: handler did not answer GET / on port %s within %s", p.port, timeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop asks the handler to exit (SIGTERM; on Windows, a kill) and waits up
// to grace before killing it.
func (p *process) stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.exitError()
	default:
	}
	if runtime.GOOS == "windows" {
		_ = p.cmd.Process.Kill()
	} else {
		_ = p.cmd.Process.Signal(terminate)
	}
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("devhost: handler still running %s after SIGTERM; killed", grace)
	}
	return p.exitError()
}

func (p *process) exitError() error {
	if p.err == nil {
		return nil
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return fmt.Errorf("devhost: handler exited with %s", exit.ProcessState)
	}
	return fmt.Errorf("devhost: handler: %w", p.err)
}

// freePort returns a loopback port nobody listens on right now.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("devhost: free port: %w", err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

// trimOutput keeps error texts short.
func trimOutput(s string, max int) string {
	s = strings.TrimSpace(s)
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
