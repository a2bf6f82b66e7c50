package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

func runCommand(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	data := fs.String("data", "", `the Data object as JSON, or a whole {"Data":…,"Metadata":…} envelope`)
	name, rest := splitName(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if name == "" {
		return errors.New("run: which function? " + names())
	}
	decl, ok := functions.Lookup(name)
	if !ok {
		return fmt.Errorf("run: no function named %q; have %s", name, names())
	}
	req, err := runRequest(decl, *data)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := newRunner(settings.OSEnv{}, os.Stdout, io.Discard)
	resp, err := r.invoke(ctx, decl, "", req)
	if len(resp.Outputs) > 0 {
		out, _ := json.MarshalIndent(resp.Outputs, "", "  ")
		fmt.Fprintf(os.Stderr, "outputs: %s\n", out)
	}
	return err
}

// splitName takes the first non-flag argument as the function name.
func splitName(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// runRequest builds the request of a hand-run invocation: the given JSON, or
// the payload the host would send for the trigger.
func runRequest(decl function.Declaration, data string) (invoke.Request, error) {
	if strings.TrimSpace(data) == "" {
		if decl.Trigger.Type != "timerTrigger" {
			return invoke.Request{}, fmt.Errorf("run: %s is queue-triggered: give the message with --data '{\"%s\":\"…\"}'", decl.Name, decl.Trigger.Name)
		}
		data = fmt.Sprintf(`{"%s":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}}`, decl.Trigger.Name)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(data), &probe); err != nil {
		return invoke.Request{}, fmt.Errorf("run: --data is not a JSON object: %w", err)
	}
	if _, ok := probe["Data"]; ok {
		return invoke.Decode([]byte(data))
	}
	return invoke.Request{Data: probe, Metadata: map[string]json.RawMessage{}}, nil
}

func names() string {
	var out []string
	for _, d := range functions.All() {
		out = append(out, d.Name)
	}
	return strings.Join(out, ", ")
}

func manifestCommand(args []string) error {
	if len(args) != 1 {
		return errors.New("manifest: usage: handler manifest DIR")
	}
	return function.WriteManifest(args[0], functions.All())
}

// checkTimeout bounds each function's checks.
const checkTimeout = 60 * time.Second

func checkCommand(args []string) error {
	decls := functions.All()
	if len(args) > 0 {
		decl, ok := functions.Lookup(args[0])
		if !ok {
			return fmt.Errorf("check: no function named %q; have %s", args[0], names())
		}
		decls = []function.Declaration{decl}
	}
	r := newRunner(settings.OSEnv{}, io.Discard, io.Discard)
	rows := checkAll(context.Background(), r, decls)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "dependency\tresult\twhy")
	failed := 0
	for _, row := range rows {
		result := "ok"
		if !row.OK {
			result, failed = "FAILED", failed+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", row.Dependency, result, r.redactor.String(row.Why))
	}
	_ = tw.Flush()
	if failed > 0 {
		return fmt.Errorf("check: %d of %d checks failed", failed, len(rows))
	}
	return nil
}

func checkAll(ctx context.Context, r *runner, decls []function.Declaration) []function.CheckResult {
	var rows []function.CheckResult
	rows = append(rows, checkStorage(ctx, r.env))
	for _, decl := range decls {
		if decl.Check == nil {
			rows = append(rows, checkSettings(decl, r.env))
			continue
		}
		ctx, cancel := context.WithTimeout(ctx, checkTimeout)
		inv := &function.Invocation{ID: "check", Function: decl.Name, Env: r.env,
			Log: newQuietLogger(), Clock: time.Now, Outputs: map[string]any{}}
		rows = append(rows, decl.Check(ctx, inv)...)
		cancel()
	}
	return rows
}

// checkSettings reports the required settings a function lacks.
func checkSettings(decl function.Declaration, env settings.Env) function.CheckResult {
	p := settings.NewParser(env)
	for _, s := range decl.Settings {
		if s.Required {
			p.String(s)
		}
	}
	row := function.CheckResult{Dependency: decl.Name + " settings", OK: true, Why: "required settings present"}
	if err := p.Err(); err != nil {
		row.OK, row.Why = false, err.Error()
	}
	return row
}

func checkStorage(ctx context.Context, env settings.Env) function.CheckResult {
	row := function.CheckResult{Dependency: "storage (AzureWebJobsStorage)"}
	account, err := storage.Open(env)
	if err != nil {
		row.Why = err.Error()
		return row
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	pager := account.Blob.NewListContainersPager(nil)
	if _, err := pager.NextPage(ctx); err != nil {
		row.Why = "listing containers: " + firstLine(err.Error())
		return row
	}
	row.OK, row.Why = true, "blob service answered"
	return row
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
