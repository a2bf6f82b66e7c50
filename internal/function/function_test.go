package function

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/settings"
)

func TestFunctionJSON(t *testing.T) {
	tests := []struct {
		name string
		decl Declaration
		want string
	}{
		{"timer", Declaration{Name: "Nightly", Trigger: Timer("timer", settings.MIMBackupSchedule)},
			`{
  "bindings": [
    {
      "name": "timer",
      "type": "timerTrigger",
      "direction": "in",
      "schedule": "%MIMBackupSchedule%",
      "useMonitor": true
    }
  ]
}
`},
		{"queue with an output", Declaration{Name: "Work", Trigger: Queue("message", settings.SPCleanupQueue),
			Outputs: []Binding{{Name: "out", Type: "queue", Direction: "out", QueueName: "done", Connection: "AzureWebJobsStorage"}}},
			`{
  "bindings": [
    {
      "name": "message",
      "type": "queueTrigger",
      "direction": "in",
      "queueName": "%SPCleanupQueue%",
      "connection": "AzureWebJobsStorage"
    },
    {
      "name": "out",
      "type": "queue",
      "direction": "out",
      "queueName": "done",
      "connection": "AzureWebJobsStorage"
    }
  ]
}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FunctionJSON(tt.decl)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestWriteManifest(t *testing.T) {
	dir := t.TempDir()
	decls := []Declaration{
		{Name: "A", Trigger: Timer("timer", settings.FTPSchedule)},
		{Name: "B", Trigger: Queue("message", settings.SPCleanupQueue)},
	}
	if err := WriteManifest(dir, decls); err != nil {
		t.Fatal(err)
	}
	for _, d := range decls {
		want, _ := FunctionJSON(d)
		got, err := os.ReadFile(filepath.Join(dir, d.Name, "function.json"))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s/function.json = %s, %v", d.Name, got, err)
		}
	}
}

func TestInvocationNow(t *testing.T) {
	fixed := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	if got := (&Invocation{Clock: func() time.Time { return fixed }}).Now(); !got.Equal(fixed) {
		t.Errorf("Now with a clock = %v", got)
	}
	if got := (&Invocation{}).Now(); time.Since(got) > time.Minute {
		t.Errorf("Now without a clock = %v", got)
	}
	var _ RunFunc = func(context.Context, *Invocation) error { return nil }
}

func TestInvocationFigures(t *testing.T) {
	inv := &Invocation{}
	if got := inv.Figures(); len(got) != 0 {
		t.Fatalf("Figures before any = %v", got)
	}
	inv.Figure("filesDelivered", 3)
	inv.Figure("filesDelivered", 4)
	inv.Figure("folder", "2026-11-30-0130")
	got := inv.Figures()
	if got["filesDelivered"] != 4 || got["folder"] != "2026-11-30-0130" || len(got) != 2 {
		t.Errorf("Figures = %v", got)
	}
	got["folder"] = "changed"
	if inv.Figures()["folder"] != "2026-11-30-0130" {
		t.Error("Figures returned the live map")
	}
}
