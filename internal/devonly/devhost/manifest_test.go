package devhost

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/buildtest"
)

func TestExpandSettingReferences(t *testing.T) {
	env := map[string]string{"FTPSchedule": "0 */5 * * * *", "Blank": ""}
	tests := []struct{ in, want string }{
		{"%FTPSchedule%", "0 */5 * * * *"},
		{"%SPCleanupQueue%", "sp-deleted-items"}, // unset: the catalog default
		{"%NotASetting%", "%NotASetting%"},
		{"%Blank%", "%Blank%"},
		{"prefix-%SPCleanupQueue%-suffix", "prefix-sp-deleted-items-suffix"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := expand(tt.in, env); got != tt.want {
			t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadHostConfigOfTheRepository(t *testing.T) {
	root, err := buildtest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := readHostConfig(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Queues.MaxDequeueCount != 5 || !cfg.Queues.Base64 {
		t.Errorf("queues = %+v, want maxDequeueCount 5 and base64", cfg.Queues)
	}
	if filepath.Base(cfg.Executable) != "handler" || !filepath.IsAbs(cfg.Executable) {
		t.Errorf("executable = %q", cfg.Executable)
	}
	if cfg.FunctionTimeout != 30*time.Minute || invocationTimeout(cfg) != 31*time.Minute {
		t.Errorf("functionTimeout %s, invocation timeout %s; want 30m and 31m", cfg.FunctionTimeout, invocationTimeout(cfg))
	}
}

// TestFunctionTimeout: the host waits functionTimeout plus a minute for an
// answer, and without end when functionTimeout is unset or -1.
func TestFunctionTimeout(t *testing.T) {
	tests := []struct {
		value   string
		want    time.Duration
		wantErr bool
	}{
		{"", 0, false},
		{"-1", 0, false},
		{"00:05:00", 6 * time.Minute, false},
		{"01:00:00", 61 * time.Minute, false},
		{"five minutes", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			dir := t.TempDir()
			doc := `{"version":"2.0","customHandler":{"description":{"defaultExecutablePath":"handler"}}`
			if tt.value != "" {
				doc += `,"functionTimeout":"` + tt.value + `"`
			}
			write(t, dir, "host.json", doc+"}")
			cfg, err := readHostConfig(dir, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if got := invocationTimeout(cfg); err == nil && got != tt.want {
				t.Errorf("invocation timeout %s, want %s", got, tt.want)
			}
		})
	}
}

func TestReadTriggers(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Nightly/function.json", `{"bindings":[{"name":"timer","type":"timerTrigger","direction":"in","schedule":"%Sched%"}]}`)
	write(t, dir, "Work/function.json", `{"bindings":[{"name":"item","type":"queueTrigger","direction":"in","queueName":"%Q%"},{"name":"out","type":"queue","direction":"out"}]}`)
	got, err := readTriggers(dir, map[string]string{"Sched": "0 30 23 * * *", "Q": "work-items"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Function != "Nightly" || got[0].Expression != "0 30 23 * * *" || !got[0].UseMonitor ||
		got[1].Function != "Work" || got[1].Queue != "work-items" || got[1].Name != "item" {
		t.Errorf("triggers = %+v", got)
	}

	if _, err := readTriggers(dir, map[string]string{"Sched": "every night", "Q": "q"}); err == nil || !strings.Contains(err.Error(), "Nightly") {
		t.Errorf("bad schedule: %v", err)
	}
	if _, err := readTriggers(dir, map[string]string{"Sched": "0 0 0 * * *"}); err == nil || !strings.Contains(err.Error(), "%Q%") {
		t.Errorf("unresolved queue: %v", err)
	}
	if _, err := readTriggers(t.TempDir(), nil); err == nil {
		t.Error("an empty app gave no error")
	}
}

// TestQueueNamesAsTheHostReadsThem: the host lowercases a queue trigger's
// queue name and rejects one the storage service would.
func TestQueueNamesAsTheHostReadsThem(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Work/function.json", `{"bindings":[{"name":"item","type":"queueTrigger","direction":"in","queueName":"%Q%"}]}`)
	tests := []struct{ setting, want, wantErr string }{
		{"work-items", "work-items", ""},
		{"SP-Deleted-Items", "sp-deleted-items", ""},
		{"q1x", "q1x", ""},
		{"ab", "", "not valid"},
		{"work--items", "", "not valid"},
		{"-work", "", "not valid"},
		{"work_items", "", "not valid"},
		{strings.Repeat("q", 64), "", "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			got, err := readTriggers(dir, map[string]string{"Q": tt.setting})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Queue != tt.want {
				t.Errorf("queue %q, want %q", got[0].Queue, tt.want)
			}
		})
	}
}

func TestStartReportsAHandlerThatExits(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as the handler")
	}
	dir := t.TempDir()
	write(t, dir, "host.json", `{"customHandler":{"description":{"defaultExecutablePath":"handler"}}}`)
	write(t, dir, "Nightly/function.json", `{"bindings":[{"name":"timer","type":"timerTrigger","direction":"in","schedule":"0 0 0 * * *"}]}`)
	write(t, dir, "handler", "#!/bin/sh\necho no port for me >&2\nexit 3\n")
	if err := os.Chmod(filepath.Join(dir, "handler"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "exited before answering") {
		t.Fatalf("Start = %v, want the exit reported", err)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
