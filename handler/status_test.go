package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/logbuf"
)

// Every invocation ends with one "run summary" line and a run record.
func TestInvocationLeavesASummaryAndARecord(t *testing.T) {
	az := azuritetest.Start(t)
	env := settings.MapEnv{"AzureWebJobsStorage": az.ConnectionString}
	stdout := &logbuf.Buffer{}
	r := newRunner(env, stdout, &bytes.Buffer{})
	decl := function.Declaration{Name: "Counter", Trigger: function.Timer("timer", settings.FTPSchedule),
		Run: func(_ context.Context, inv *function.Invocation) error {
			inv.Figure("filesDelivered", 3)
			return errors.New("ftp: 2 of 5 files failed")
		}}
	if _, err := r.invoke(context.Background(), decl, "inv-1", invoke.Request{}); err == nil {
		t.Fatal("the run's error was lost")
	}
	var summary map[string]any
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.Contains(line, `"msg":"run summary"`) {
			if err := json.Unmarshal([]byte(line), &summary); err != nil {
				t.Fatal(err)
			}
		}
	}
	figures, _ := summary["figures"].(map[string]any)
	if summary["outcome"] != "failed" || summary["function"] != "Counter" || figures["filesDelivered"] != 3.0 ||
		summary["level"] != "ERROR" || !strings.Contains(summary["error"].(string), "2 of 5") {
		t.Errorf("summary line = %v", summary)
	}
	store := runrecord.NewStore(az.Account.Blob.ServiceClient().NewContainerClient(runrecord.Container))
	rec, err := store.Latest(context.Background(), "Counter")
	if err != nil || rec.OK() || rec.InvocationID != "inv-1" || rec.Figures["filesDelivered"] != 3.0 {
		t.Errorf("record = %+v, %v", rec, err)
	}
}

// A run whose storage is unreachable still succeeds: the record is lost, not the run.
func TestInvocationWithoutStorageStillRuns(t *testing.T) {
	stdout := &logbuf.Buffer{}
	r := newRunner(settings.MapEnv{"AzureWebJobsStorage": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
		"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;"},
		stdout, &bytes.Buffer{})
	decl := function.Declaration{Name: "Quiet", Trigger: function.Timer("timer", settings.FTPSchedule),
		Run: func(context.Context, *function.Invocation) error { return nil }}
	if _, err := r.invoke(context.Background(), decl, "", invoke.Request{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "run record not kept") || !strings.Contains(stdout.String(), `"outcome":"succeeded"`) {
		t.Errorf("log:\n%s", stdout.String())
	}
}

// handler status against Azurite: every function listed with its last run
// and figures; a failed one and an overdue one flagged; non-zero exit.
func TestStatusCommand(t *testing.T) {
	az := azuritetest.Start(t)
	store := runrecord.NewStore(az.Account.Blob.ServiceClient().NewContainerClient(runrecord.Container))
	now := time.Now().UTC()
	for _, d := range functions.All() {
		start, err := now.Add(-time.Minute), error(nil)
		switch d.Name {
		case "FtpRetrieve":
			start = now.Add(-72 * time.Hour) // daily: three days is overdue
		case "SharePointCleanup":
			err = errors.New("sharepoint: 403 Forbidden")
		}
		r := runrecord.New(d.Name, "inv-"+d.Name, start, time.Second, map[string]any{"probe": 7}, err)
		if werr := store.Write(context.Background(), r); werr != nil {
			t.Fatal(werr)
		}
	}
	out, err := runStatus(t, az.ConnectionString, "--json")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("exit = %v, want non-zero\n%s", err, out)
	}
	var report struct {
		Functions []struct {
			Function string `json:"function"`
			Overdue  bool   `json:"overdue"`
			Failing  bool   `json:"failing"`
			LastRun  *struct {
				Figures map[string]any `json:"figures"`
			} `json:"lastRun"`
		} `json:"functions"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(report.Functions) != len(functions.All()) {
		t.Errorf("%d functions listed, want %d", len(report.Functions), len(functions.All()))
	}
	for _, f := range report.Functions {
		if f.LastRun == nil || f.LastRun.Figures["probe"] != 7.0 {
			t.Errorf("%s: last run or figures missing: %+v", f.Function, f.LastRun)
		}
		wantOverdue, wantFailing := f.Function == "FtpRetrieve", f.Function == "SharePointCleanup"
		if f.Overdue != wantOverdue || f.Failing != wantFailing {
			t.Errorf("%s: overdue %v failing %v", f.Function, f.Overdue, f.Failing)
		}
	}
	text, _ := runStatus(t, az.ConnectionString)
	for _, want := range []string{"OVERDUE", "FAILED", "2 function(s) need attention", "probe=7"} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
}

func runStatus(t *testing.T, conn string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(handlerBinary(t), append([]string{"status"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AzureWebJobsStorage=" + conn}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err := cmd.Run()
	return stdout.String(), err
}
