package status_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/status"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// now is the moment the tests' reports are made at: a Monday, 08:00 UTC.
var now = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

var (
	nightly = settings.Spec{Name: "NightlySchedule", Default: "0 30 23 * * *"}
	hourly  = settings.Spec{Name: "HourlySchedule", Default: "0 0 * * * *"}
	work    = settings.Spec{Name: "WorkQueue", Default: "work"}
)

// declarations are three functions shaped like the app's: a nightly timer, an
// hourly timer with state to report, and a queue function.
func declarations(depth float64) []function.Declaration {
	return []function.Declaration{
		{Name: "Nightly", Trigger: function.Timer("timer", nightly), Settings: []settings.Spec{nightly}},
		{Name: "Hourly", Trigger: function.Timer("timer", hourly), Settings: []settings.Spec{hourly},
			Status: func(context.Context, *function.Invocation) []function.StatusItem {
				return []function.StatusItem{{Name: "poison queue", Value: depth, Unit: "messages", Bad: depth > 0,
					Note: "cleanups wait for an operator"}}
			}},
		{Name: "Worker", Trigger: function.Queue("message", work), Settings: []settings.Spec{work}},
	}
}

func write(t *testing.T, store *runrecord.Store, name string, start time.Time, err error, figures map[string]any) {
	t.Helper()
	if werr := store.Write(context.Background(), runrecord.New(name, start.String(), start, time.Minute, figures, err)); werr != nil {
		t.Fatal(werr)
	}
}

func collect(t *testing.T, store *runrecord.Store, env settings.MapEnv, depth float64) status.Report {
	t.Helper()
	r, err := status.Collect(context.Background(), status.Options{Declarations: declarations(depth), Records: store, Env: env, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func byName(r status.Report, name string) status.Function {
	for _, f := range r.Functions {
		if f.Name == name {
			return f
		}
	}
	return status.Function{}
}

func TestCollect(t *testing.T) {
	az := azuritetest.Start(t)
	store := runrecord.NewStore(az.Account.Blob.ServiceClient().NewContainerClient(runrecord.Container))
	write(t, store, "Nightly", time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC), nil, map[string]any{"backupBytes": 1 << 20})
	write(t, store, "Hourly", now.Add(-3*time.Hour-time.Minute), nil, map[string]any{"deletesQueued": 2})
	write(t, store, "Worker", now.Add(-10*time.Minute), errors.New("sharepoint: 403"), nil)

	r := collect(t, store, settings.MapEnv{}, 0)
	if f := byName(r, "Nightly"); f.Bad() || f.Overdue || f.Last == nil {
		t.Errorf("last night's backup is on time: %+v", f)
	}
	if f := byName(r, "Hourly"); !f.Overdue || !f.Bad() {
		t.Errorf("an hourly function last run 3 hours ago is overdue: %+v", f)
	}
	if f := byName(r, "Worker"); !f.Failing || f.Overdue {
		t.Errorf("a queue function whose last run failed is failing, never overdue: %+v", f)
	}
	if r.Bad() != 2 {
		t.Errorf("Bad() = %d, want 2", r.Bad())
	}

	// A schedule setting overrides the default: every 4 hours, the hourly one is on time.
	r = collect(t, store, settings.MapEnv{"HourlySchedule": "0 0 */4 * * *"}, 3)
	f := byName(r, "Hourly")
	if f.Overdue || f.Schedule != "0 0 */4 * * *" {
		t.Errorf("with a 4-hourly schedule: %+v", f)
	}
	if !f.Bad() || len(f.State) != 1 || !strings.Contains(f.Problems[0], "poison queue") {
		t.Errorf("a bad state item is a problem: %+v", f)
	}
}

func TestNeverRunTimerIsFlagged(t *testing.T) {
	az := azuritetest.Start(t)
	store := runrecord.NewStore(az.Account.Blob.ServiceClient().NewContainerClient(runrecord.Container))
	r := collect(t, store, settings.MapEnv{"NightlySchedule": "every day at 11"}, 0)
	if f := byName(r, "Hourly"); !f.Overdue || f.Problems[0] != "no run recorded" {
		t.Errorf("a timer function with no run: %+v", f)
	}
	if f := byName(r, "Nightly"); !f.Bad() || !strings.Contains(f.Problems[0], "every day at 11") {
		t.Errorf("an unparsable schedule is a problem: %+v", f)
	}
	if f := byName(r, "Worker"); f.Bad() {
		t.Errorf("a queue function with no message yet is fine: %+v", f)
	}
	var text bytes.Buffer
	if err := status.WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Nightly", "never", "need attention", "Hourly: no run recorded"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{45 * time.Second, "45s"}, {12 * time.Minute, "12m"}, {5*time.Hour + 10*time.Minute, "5h10m"},
		{76 * time.Hour, "3d4h"},
	}
	for _, tt := range tests {
		if got := status.Age(tt.d); got != tt.want {
			t.Errorf("Age(%s) = %s, want %s", tt.d, got, tt.want)
		}
	}
}
