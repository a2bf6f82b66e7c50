package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/logging"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

func runCommand(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	data := fs.String("data", "", `the Data object as JSON, or a whole {"Data":…,"Metadata":…} envelope`)
	file := fs.String("settings", "", "a local.settings.json whose Values are the app settings (the environment wins, as in Core Tools)")
	name, rest := splitName(args)
	if err := fs.Parse(rest); err != nil {
		return usageError{err}
	}
	if name == "" {
		return usageError{errors.New("run: which function? " + names())}
	}
	decl, err := lookupFunction("run", name)
	if err != nil {
		return err
	}
	req, err := runRequest(decl, *data)
	if err != nil {
		return usageError{err}
	}
	env, err := commandEnv(*file)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := newRunner(env, os.Stdout, io.Discard)
	r.operatorRun = true // the message is the operator's, not the queue's: it is never parked or put back
	res, err := r.invoke(ctx, decl, "", req)
	if len(res.Response.Outputs) > 0 {
		out, _ := json.MarshalIndent(res.Response.Outputs, "", "  ")
		fmt.Fprintf(os.Stderr, "outputs: %s\n", r.redactor.String(string(out)))
	}
	if err == nil && res.Discarded != "" {
		return discardedError{reason: res.Discarded}
	}
	return err
}

// commandEnv is the app settings of a command: the process environment,
// over the Values of a local.settings.json when --settings names one.
func commandEnv(file string) (settings.Env, error) {
	if file == "" {
		return settings.OSEnv{}, nil
	}
	return loadSettingsFile(file, settings.OSEnv{}, os.Stderr)
}

// splitName takes the first non-flag argument as the function name.
func splitName(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// runRequest builds the request of a hand-run invocation from --data: a
// whole {"Data","Metadata"} envelope; the Data object, keyed by the trigger's
// binding name; for a queue function, the message itself (any text, JSON or
// not, as the host's admin endpoint takes a queue function's "input"); for a
// timer function, the TimerInfo object. With no --data a timer function gets
// the payload the host sends on schedule.
func runRequest(decl function.Declaration, data string) (invoke.Request, error) {
	data = strings.TrimSpace(data)
	queue := decl.Trigger.Type == "queueTrigger"
	if data == "" {
		if queue {
			return invoke.Request{}, fmt.Errorf("run: %s is queue-triggered: give the message with --data (the message text, or '{\"%s\":\"…\"}')", decl.Name, decl.Trigger.Name)
		}
		data = `{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}`
	}
	var probe map[string]json.RawMessage
	isObject := json.Unmarshal([]byte(data), &probe) == nil && probe != nil
	var req invoke.Request
	switch {
	case isObject && has(probe, "Data"):
		envelope, err := invoke.Decode([]byte(data))
		if err != nil {
			return invoke.Request{}, fmt.Errorf("run: --data: %w", err)
		}
		req = envelope
	case isObject && has(probe, decl.Trigger.Name):
		req = invoke.Request{Data: probe}
	case queue:
		message, _ := json.Marshal(data)
		req = invoke.Request{Data: map[string]json.RawMessage{decl.Trigger.Name: message}}
	case isObject && (has(probe, "IsPastDue") || has(probe, "Schedule") || has(probe, "ScheduleStatus")):
		req = invoke.Request{Data: map[string]json.RawMessage{decl.Trigger.Name: json.RawMessage(data)}}
	case isObject && has(probe, "full"):
		// A hand run's option {"full":true} (EntraDeltaExport) rides on the TimerInfo object.
		req = invoke.Request{Data: map[string]json.RawMessage{decl.Trigger.Name: json.RawMessage(data)}}
	default:
		return invoke.Request{}, fmt.Errorf(`run: --data for %s is not a JSON object: give {"%s":{"IsPastDue":false}} or a whole {"Data":…,"Metadata":…} envelope`, decl.Name, decl.Trigger.Name)
	}
	if req.Metadata == nil {
		req.Metadata = map[string]json.RawMessage{}
	}
	if queue {
		addQueueMetadata(req.Metadata, time.Now())
	}
	return req, nil
}

// has reports whether m has key, matched without regard to case as the host does.
func has(m map[string]json.RawMessage, key string) bool {
	_, ok := invoke.Lookup(m, key)
	return ok
}

// addQueueMetadata fills in the queue trigger metadata the host would send
// for a first delivery, keeping any key already given.
func addQueueMetadata(md map[string]json.RawMessage, now time.Time) {
	quoted := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	at := func(t time.Time) json.RawMessage { return quoted(t.UTC().Format(time.RFC3339Nano)) }
	defaults := map[string]json.RawMessage{
		"DequeueCount":    quoted("1"),
		"Id":              quoted(string(quoted(invoke.NewID()))),
		"PopReceipt":      quoted(`"manual"`),
		"InsertionTime":   at(now),
		"NextVisibleTime": at(now.Add(10 * time.Minute)),
		"ExpirationTime":  at(now.Add(7 * 24 * time.Hour)),
	}
	for key, value := range defaults {
		if !has(md, key) {
			md[key] = value
		}
	}
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
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	file := fs.String("settings", "", "a local.settings.json whose Values are the app settings (the environment wins, as in Core Tools)")
	name, rest := splitName(args)
	if err := fs.Parse(rest); err != nil {
		return usageError{err}
	}
	decls := functions.All()
	if name != "" {
		decl, err := lookupFunction("check", name)
		if err != nil {
			return err
		}
		decls = []function.Declaration{decl}
	}
	env, err := commandEnv(*file)
	if err != nil {
		return err
	}
	r := newRunner(env, io.Discard, io.Discard)
	rows := checkAll(context.Background(), r, decls)
	failed := printCheckTable(os.Stdout, rows, r.redactor)
	if failed > 0 {
		return fmt.Errorf("check: %d of %d checks failed", failed, len(rows))
	}
	return nil
}

// printCheckTable writes one line per row, each reason on one line and
// redacted, and returns how many rows failed.
func printCheckTable(w io.Writer, rows []function.CheckResult, red *logging.Redactor) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "dependency\tresult\twhy")
	failed := 0
	for _, row := range rows {
		result := "ok"
		if !row.OK {
			result, failed = "FAILED", failed+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", row.Dependency, result, oneLine(red.String(row.Why)))
	}
	_ = tw.Flush()
	return failed
}

func checkAll(ctx context.Context, r *runner, decls []function.Declaration) []function.CheckResult {
	account, storageErr := clients.Storage(r.env)
	rows := []function.CheckResult{checkAllSettings(r.env, decls, storageErr), checkStorage(ctx, account, storageErr), checkAlerts(r.env)}
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

// checkSettings is the row of a function without checks of its own: its
// settings, validated as a run validates them.
func checkSettings(decl function.Declaration, env settings.Env) function.CheckResult {
	row := function.CheckResult{Dependency: decl.Name + " settings", OK: true, Why: "every setting present and well-formed"}
	if err := settings.Validate(env, decl.Settings); err != nil {
		row.OK, row.Why = false, err.Error()
	}
	return row
}

// checkAllSettings is the first row of `check`: one verdict naming every
// missing or malformed setting of the storage account and of every function
// checked, so an operator fixes them in one pass.
func checkAllSettings(env settings.Env, decls []function.Declaration, storageErr error) function.CheckResult {
	row := function.CheckResult{Dependency: "settings", OK: true, Why: "every setting present and well-formed"}
	var specs []settings.Spec
	seen := map[string]bool{}
	for _, decl := range decls {
		for _, s := range decl.Settings {
			if !seen[s.Name] {
				seen[s.Name] = true
				specs = append(specs, s)
			}
		}
	}
	if !seen[settings.OpsTimeZone.Name] {
		specs = append(specs, settings.OpsTimeZone, settings.WebsiteTimeZone)
	}
	problems := map[string]string{}
	var se *settings.Error
	if err := settings.Validate(env, specs); errors.As(err, &se) {
		maps.Copy(problems, se.Problems)
	}
	switch {
	case errors.As(storageErr, &se):
		maps.Copy(problems, se.Problems)
	case storageErr != nil:
		problems[settings.Storage.Name] = strings.TrimPrefix(storageErr.Error(), "storage: "+settings.Storage.Name+" ")
	}
	if len(problems) > 0 {
		row.OK, row.Why = false, (&settings.Error{Problems: problems}).Error()
	}
	return row
}

func checkStorage(ctx context.Context, account *storage.Account, openErr error) function.CheckResult {
	row := function.CheckResult{Dependency: "storage (AzureWebJobsStorage)"}
	if openErr != nil {
		row.Why = openErr.Error()
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

// noCredentialHint is what an operator does when no Azure credential works.
const noCredentialHint = "no Azure credential worked: on a workstation sign in with `az login` " +
	"(the Azure CLI login is tried last); in Azure give the app a managed identity with access"

// oneLine fits a reason into one table cell: an Azure credential chain's
// multi-line report becomes one line saying what to do, anything else
// keeps its first line with the rest joined on.
func oneLine(why string) string {
	if isCredentialFailure(why) && !strings.Contains(why, azcred.NoCredentialHint) {
		return noCredentialHint + " (" + strings.TrimSpace(firstLine(why)) + ")"
	}
	return strings.Join(strings.Fields(why), " ")
}

// isCredentialFailure reports whether why is azidentity's report that no
// credential could get a token.
func isCredentialFailure(why string) bool {
	for _, mark := range []string{"failed to acquire a token", "Attempted credentials", "no credential", "CredentialUnavailable",
		"ManagedIdentityCredential: ", "AzureCLICredential: ", "DefaultAzureCredential: "} {
		if strings.Contains(why, mark) {
			return true
		}
	}
	return false
}
