// Command demo runs tenantops' functions end to end on local stand-ins and
// Azurite, through the custom-handler protocol (`make demo`).
//
// It starts Azurite, lets each scenario start its stand-ins and name the app
// settings that reach them, starts the built handler under the local host
// with those settings, runs the scenarios in order and prints a summary.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/devonly/devhost"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// demoTimeZone shows that OpsTimeZone takes Windows zone names.
const demoTimeZone = "AUS Eastern Standard Time"

func main() {
	dist := flag.String("dist", "dist", "the built app: host.json, function folders and the handler")
	verbose := flag.Bool("v", false, "show the handler's own log lines")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ok, err := run(ctx, *dist, *verbose, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// run is the whole demo; it reports whether every scenario succeeded.
func run(ctx context.Context, dist string, verbose bool, out io.Writer) (bool, error) {
	scratch, err := os.MkdirTemp("", "tenantops-demo-")
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(scratch)

	fmt.Fprintln(out, "starting Azurite…")
	azurite, err := azuritetest.Launch(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: %w (run npm ci to install Azurite)", err)
	}
	defer azurite.Close()

	httpAddr, err := freeLoopbackAddr()
	if err != nil {
		return false, err
	}
	stages, env, err := setUp(ctx, scratch, azurite, "http://"+httpAddr)
	defer cleanUp(stages)
	if err != nil {
		return false, err
	}

	var tally tally
	handlerOut := io.Discard
	if verbose {
		handlerOut = os.Stderr
	}
	host, err := devhost.Start(ctx, devhost.Options{
		Dir: dist, Env: env, Storage: azurite.Account,
		Stdout: handlerOut, Stderr: handlerOut,
		RetryDelay: -1, OnResult: tally.add,
		HTTPAddr: httpAddr, FunctionKey: demoFunctionKey,
	})
	if err != nil {
		return false, err
	}
	defer host.Close()
	fmt.Fprintf(out, "handler up with %s\n\n", strings.Join(host.Functions(), ", "))

	if len(stages) == 0 {
		fmt.Fprintln(out, "no scenarios are registered yet: the handler started and answered, nothing else to show")
		return true, nil
	}
	outcomes := runScenarios(ctx, stages, host, out)
	printSummary(out, outcomes, &tally)
	printStatus(ctx, dist, env, out)
	for _, o := range outcomes {
		if o.err != nil {
			return false, nil
		}
	}
	return true, nil
}

// staged is a scenario with its stage.
type staged struct {
	scenario scenario
	stage    *Stage
}

// setUp runs every scenario's Setup and merges the app settings they need,
// plus the storage connection and the operations time zone.
func setUp(ctx context.Context, scratch string, azurite *azuritetest.Server, httpURL string) ([]staged, map[string]string, error) {
	env := map[string]string{"OpsTimeZone": demoTimeZone}
	var stages []staged
	for _, sc := range scenarios {
		st := &Stage{
			Dir:               filepath.Join(scratch, sc.Name),
			StorageConnection: azurite.ConnectionString,
			Storage:           azurite.Account,
			HTTPURL:           httpURL,
		}
		stages = append(stages, staged{scenario: sc, stage: st})
		if err := os.MkdirAll(st.Dir, 0o755); err != nil {
			return stages, nil, fmt.Errorf("demo: %w", err)
		}
		if sc.Setup == nil {
			continue
		}
		settings, err := sc.Setup(ctx, st)
		if err != nil {
			return stages, nil, fmt.Errorf("demo: setting up %s: %w", sc.Name, err)
		}
		for k, v := range settings {
			env[k] = v
		}
	}
	env["AzureWebJobsStorage"] = azurite.ConnectionString
	return stages, env, nil
}

// demoFunctionKey is the key the local host wants for HTTP functions.
const demoFunctionKey = "demo-function-key"

// freeLoopbackAddr picks a free loopback port for the HTTP triggers, known
// before the host starts so that settings can name it.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// cleanUp runs the stages' cleanups, last registered first.
func cleanUp(stages []staged) {
	for i := len(stages) - 1; i >= 0; i-- {
		fns := stages[i].stage.cleanups
		for j := len(fns) - 1; j >= 0; j-- {
			fns[j]()
		}
	}
}

// outcome is how one scenario went.
type outcome struct {
	name string
	err  error
}

// runScenarios runs each scenario in order, printing what it reports.
func runScenarios(ctx context.Context, stages []staged, host *devhost.Host, out io.Writer) []outcome {
	var outcomes []outcome
	for _, s := range stages {
		fmt.Fprintf(out, "== %s\n", s.scenario.Name)
		var report bytes.Buffer
		err := s.scenario.Run(ctx, s.stage, host, &report)
		for _, line := range strings.Split(strings.TrimRight(report.String(), "\n"), "\n") {
			if line != "" {
				fmt.Fprintf(out, "   %s\n", line)
			}
		}
		if err != nil {
			fmt.Fprintf(out, "   FAILED: %v\n", err)
		}
		fmt.Fprintln(out)
		outcomes = append(outcomes, outcome{name: s.scenario.Name, err: err})
	}
	return outcomes
}

// tally counts invocations per function.
type tally struct {
	mu     sync.Mutex
	counts map[string]*counts
}

type counts struct{ ok, failed, poisoned int }

func (t *tally) add(r devhost.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[string]*counts{}
	}
	c := t.counts[r.Function]
	if c == nil {
		c = &counts{}
		t.counts[r.Function] = c
	}
	switch {
	case r.OK():
		c.ok++
	case r.Poisoned:
		c.failed++
		c.poisoned++
	default:
		c.failed++
	}
}

func printSummary(out io.Writer, outcomes []outcome, t *tally) {
	fmt.Fprintln(out, "summary")
	for _, o := range outcomes {
		result := "ok"
		if o.err != nil {
			result = "FAILED"
		}
		fmt.Fprintf(out, "  %-22s %s\n", o.name, result)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.counts))
	for n := range t.counts {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(out, "invocations through the custom-handler protocol (a scenario may fail one on purpose)")
	for _, n := range names {
		c := t.counts[n]
		fmt.Fprintf(out, "  %-22s %d ok, %d failed", n, c.ok, c.failed)
		if c.poisoned > 0 {
			fmt.Fprintf(out, " (%d message(s) to the poison queue)", c.poisoned)
		}
		fmt.Fprintln(out)
	}
}

// printStatus shows what an operator sees the next morning: `handler
// status` over the run records the invocations above left in Azurite. It
// flags the runs that failed on purpose, so its exit status is not the
// demo's.
func printStatus(ctx context.Context, dist string, env map[string]string, out io.Writer) {
	fmt.Fprintf(out, "\n== handler status (what an operator sees next morning; --html FILE draws it)\n")
	cmd := exec.CommandContext(ctx, filepath.Join(dist, "handler"), "status")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var status bytes.Buffer
	cmd.Stdout, cmd.Stderr = &status, &status
	err := cmd.Run()
	for _, line := range strings.Split(strings.TrimRight(status.String(), "\n"), "\n") {
		fmt.Fprintf(out, "   %s\n", line)
	}
	if err != nil {
		fmt.Fprintf(out, "   (exit status non-zero: %v; the flagged runs above failed on purpose)\n", err)
	}
}
