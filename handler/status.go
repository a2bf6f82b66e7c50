package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/status"
)

// statusTimeout bounds the whole status command: reading records and state.
const statusTimeout = 2 * time.Minute

// statusCommand prints, for every function, its last run against its
// schedule, its key figures and the state that can go bad quietly. The exit
// status is non-zero when any function failed its last run, is overdue, or
// has bad state.
func statusCommand(args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	htmlFile := fs.String("html", "", "also write a one-page HTML report with charts to `FILE`")
	file := settingsFlag(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	env, err := commandEnv(*file)
	if err != nil {
		return err
	}
	return printStatus(os.Stdout, env, *asJSON, *htmlFile, time.Now())
}

func printStatus(out io.Writer, env settings.Env, asJSON bool, htmlFile string, now time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
	defer cancel()
	account, err := clients.Storage(env)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	report, err := status.Collect(ctx, status.Options{
		Declarations: functions.All(),
		Records:      runrecord.NewStore(account.Blob.ServiceClient().NewContainerClient(runrecord.Container)),
		Env:          env, Log: newQuietLogger(), Now: now,
	})
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if htmlFile != "" {
		if err := writeHTMLReport(htmlFile, report); err != nil {
			return err
		}
	}
	if asJSON {
		err = status.WriteJSON(out, report)
	} else {
		err = status.WriteText(out, report)
	}
	if err != nil {
		return err
	}
	if n := report.Bad(); n > 0 {
		return fmt.Errorf("status: %d function(s) need attention", n)
	}
	return nil
}

func writeHTMLReport(path string, report status.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if err := status.WriteHTML(f, report); err != nil {
		f.Close()
		return fmt.Errorf("status: %s: %w", path, err)
	}
	return f.Close()
}
