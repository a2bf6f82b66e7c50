package main

// The check command: every setting, the storage account, and each
// function's own checks, as one table.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/logging"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// checkTimeout bounds each function's checks.
const checkTimeout = 60 * time.Second

// checkCommand is `handler check [NAME]`: the settings, storage and each function's checks.
func checkCommand(args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	file := settingsFlag(fs)
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
