package remoteps

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/masterzen/winrm"
)

// Result is what a script printed and how it ended.
type Result struct {
	Stdout   string
	Stderr   string // readable: PowerShell's CLIXML error records turned into text
	ExitCode int
}

// Run runs a PowerShell script with input, marshalled to JSON, as its
// parameters: the script starts with param([string]$ParamsJson, $Lines)
// and reads them with ConvertFrom-Json. A non-zero exit code returns an
// *ExitError carrying the script's error text. Cancelling ctx terminates the
// script; the shell is deleted on every path.
func (c *Client) Run(ctx context.Context, script string, input any) (Result, error) {
	return c.run(ctx, script, input, nil)
}

// feeder writes a script's own input to stdin, after its parameters.
type feeder func(ctx context.Context, w io.Writer) error

func (c *Client) run(ctx context.Context, script string, input any, feed feeder) (Result, error) {
	name := scriptName(script)
	params, err := marshalParams(input)
	if err != nil {
		return Result{}, fmt.Errorf("remoteps: %s: parameters: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("remoteps: %s: %w", name, err)
	}
	sess, err := c.newSession(ctx)
	if err != nil {
		return Result{}, err
	}
	defer sess.close()
	shell, err := sess.winrm.CreateShell()
	if err != nil {
		return Result{}, c.describe(name, "opening a shell", err)
	}
	defer c.deleteShell(shell, name)
	if err := ctx.Err(); err != nil { // cancelled while the shell was being made
		return Result{}, fmt.Errorf("remoteps: %s: %w", name, err)
	}
	cmd, err := shell.ExecuteWithContext(ctx, bootstrapCommand)
	if err != nil {
		return Result{}, c.describe(name, "starting PowerShell", err)
	}
	start := time.Now()
	out := collect(cmd) // before sending: a script may print while it reads
	s := c.sendInput(ctx, cmd, script, params, feed)
	if s.sendErr != nil {
		if first := sess.tr.failure(); first != nil {
			s.sendErr = first // the real cause behind masterzen's "short write"
		}
	}
	res, err := c.finish(ctx, name, cmd, out, s)
	c.log.Debug("remoteps: script ran", "script", name, "host", c.cfg.Host, "exit_code", res.ExitCode,
		"seconds", time.Since(start).Seconds(), "failed", err != nil)
	return res, err
}

func marshalParams(input any) ([]byte, error) {
	if input == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(input)
}

// sent is how sending stdin went.
type sent struct {
	feedErr error // the feeder failed (say, its source broke): stdin was closed early
	sendErr error // a Send failed: the command was terminated
}

// sendInput writes the script and its parameters, then the feeder's data,
// then closes stdin. A failed Send terminates the command, since the remote
// side would otherwise wait for input forever.
func (c *Client) sendInput(ctx context.Context, cmd *winrm.Command, script string, params []byte, feed feeder) sent {
	w := &stdinWriter{cmd: cmd}
	header := base64.StdEncoding.EncodeToString([]byte(script)) + "\n" + base64.StdEncoding.EncodeToString(params) + "\n"
	_, _ = w.Write([]byte(header))
	var s sent
	if feed != nil && w.err == nil {
		s.feedErr = feed(ctx, w)
	}
	if w.err == nil {
		w.err = cmd.Stdin.Close()
	}
	if w.err != nil {
		s.sendErr = w.err
		_ = cmd.Close()
	}
	return s
}

// stdinWriter remembers the first failed Send and writes nothing after it.
type stdinWriter struct {
	cmd *winrm.Command
	err error
}

// Write implements io.Writer.
func (w *stdinWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.cmd.Stdin.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// output gathers a command's stdout and stderr as they arrive.
type output struct {
	wg             sync.WaitGroup
	stdout, stderr bytes.Buffer
	outErr, errErr error // a failed Receive ends both streams with its error
}

func collect(cmd *winrm.Command) *output {
	o := &output{}
	o.wg.Add(2)
	go func() { defer o.wg.Done(); _, o.outErr = io.Copy(&o.stdout, cmd.Stdout) }()
	go func() { defer o.wg.Done(); _, o.errErr = io.Copy(&o.stderr, cmd.Stderr) }()
	return o
}

// finish waits for the command and its output, and decides the error.
func (c *Client) finish(ctx context.Context, name string, cmd *winrm.Command, o *output, s sent) (Result, error) {
	cmd.Wait()
	o.wg.Wait()
	_ = cmd.Close() // Signal: the server may free the finished command
	// A UTF-8 console code page can put a byte order mark before the first
	// output; it is no part of what the script printed.
	stdout := strings.TrimPrefix(o.stdout.String(), "\ufeff")
	res := Result{Stdout: stdout, Stderr: ReadableStderr(o.stderr.String()), ExitCode: cmd.ExitCode()}
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("remoteps: %s: %w", name, ctx.Err())
	case s.sendErr != nil:
		return res, c.describe(name, "sending input", s.sendErr)
	case o.outErr != nil:
		return res, c.describe(name, "reading output", o.outErr)
	case o.errErr != nil:
		return res, c.describe(name, "reading output", o.errErr)
	case s.feedErr != nil:
		return res, fmt.Errorf("remoteps: %s: %w", name, s.feedErr)
	case res.ExitCode != 0:
		return res, &ExitError{Script: name, Code: res.ExitCode, Stderr: res.Stderr}
	}
	return res, nil
}

// deleteShell deletes the shell, whatever happened to the command. A shell
// the server no longer knows (say, after a restart of the WinRM service) is
// already gone, which is what the Delete was for.
func (c *Client) deleteShell(shell *winrm.Shell, name string) {
	err := shell.Close()
	var he *httpError
	if errors.As(err, &he) && he.Fault != nil && he.Fault.shellNotFound() {
		c.log.Debug("remoteps: the shell was already gone", "script", name, "host", c.cfg.Host)
		return
	}
	if err != nil {
		c.log.Warn("remoteps: deleting the shell failed; it stays open on the server until its idle timeout",
			"script", name, "host", c.cfg.Host, "err", c.describe(name, "deleting the shell", err).Error())
	}
}
