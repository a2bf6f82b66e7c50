package status_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/status"
)

// month builds 30 days of history: a nightly backup that grows and failed
// twice, hourly polls, a daily FTP run.
func month() status.Report {
	var backups, polls, files []runrecord.Record
	for day := range 30 {
		at := now.AddDate(0, 0, -30+day)
		var err error
		if day == 11 || day == 12 {
			err = errors.New("winrm: 401")
		}
		backups = append(backups, runrecord.New("MimConfigBackup", "b", at.Add(-30*time.Minute), time.Minute,
			map[string]any{"backupBytes": float64(40<<20 + day<<18)}, err))
		files = append(files, runrecord.New("FtpRetrieve", "f", at.Add(2*time.Hour), time.Minute,
			map[string]any{"filesDelivered": float64(day % 4)}, nil))
		for hour := range 24 {
			polls = append(polls, runrecord.New("SharePointChangePoll", "p", at.Add(time.Duration(hour)*time.Hour), time.Second,
				map[string]any{"deletesQueued": float64((day + hour) % 5)}, nil))
		}
	}
	last := func(h []runrecord.Record) *runrecord.Record { return &h[len(h)-1] }
	return status.Report{Generated: now, Functions: []status.Function{
		{Name: "MimConfigBackup", Trigger: "timer", Schedule: "0 30 23 * * *", Last: last(backups), History: backups},
		{Name: "FtpRetrieve", Trigger: "timer", Schedule: "0 30 10 * * *", Last: last(files), History: files,
			Overdue: true, Problems: []string{"overdue"}},
		{Name: "SharePointChangePoll", Trigger: "timer", Schedule: "0 0 * * * *", Last: last(polls), History: polls,
			State: []function.StatusItem{{Name: "poison queue", Value: 2, Unit: "messages", Bad: true, Note: "requeue"}}},
		{Name: "SharePointCleanup", Trigger: "queue"},
	}}
}

// chromium finds Debian's Chromium; CI must have it (make deps installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (make deps installs Debian's chromium)")
	}
	t.Skip("chromium is not installed (make deps installs Debian's chromium)")
	return ""
}

// artifactPath is where the report's screenshot is kept after the test.
func artifactPath(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

func TestHTMLReportRendersInChromium(t *testing.T) {
	browser := chromium(t)
	page := filepath.Join(t.TempDir(), "status.html")
	out, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := status.WriteHTML(out, month()); err != nil {
		t.Fatal(err)
	}
	out.Close()

	ctx, cancel := browserContext(t, browser)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	problems := watchConsole(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[[]chartMarks](`[...document.querySelectorAll('figure.chart')].map(f => ({
		title: f.dataset.title,
		marks: [...f.querySelectorAll('svg path')].filter(p => {
			const b = p.getBBox(); return b.width > 0 || b.height > 0 }).length }))`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if got := problems(); len(got) > 0 {
		t.Errorf("the page logged errors: %v", got)
	}
	checkCharts(t, drawn)
	path := artifactPath(t, "status-report.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
}

// chartMarks is what the page says of one chart: its title and how many of
// its SVG paths have a size (bars, lines, axes).
type chartMarks struct {
	Title string `json:"title"`
	Marks int    `json:"marks"`
}

// watchConsole collects the page's console errors and uncaught exceptions;
// the returned func reports those seen so far.
func watchConsole(ctx context.Context) func() []string {
	var mu sync.Mutex
	var seen []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				seen = append(seen, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		time.Sleep(200 * time.Millisecond) // let messages already sent arrive
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func checkCharts(t *testing.T, drawn []chartMarks) {
	t.Helper()
	want := map[string]bool{"Runs per day (last 30 days)": false, "Backup size (MiB)": false,
		"Files delivered per day": false, "Deletes queued per hour (last 7 days)": false}
	for _, c := range drawn {
		if c.Marks < 3 {
			t.Errorf("chart %q has %d drawn marks: not drawn", c.Title, c.Marks)
		}
		if _, ok := want[c.Title]; ok {
			want[c.Title] = true
		}
	}
	for title, seen := range want {
		if !seen {
			t.Errorf("no %q chart on the page", title)
		}
	}
	if len(drawn) < 7 {
		t.Errorf("%d charts on the page, want at least 7 (runs per day for 4 functions, 3 figures)", len(drawn))
	}
}

// browserContext starts headless Chromium with no network of its own: the
// page must need none.
func browserContext(t *testing.T, browser string) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	return ctx, func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
}

func TestHTMLReportEscapesWhatItShows(t *testing.T) {
	r := status.Report{Generated: now, Functions: []status.Function{{Name: "FtpRetrieve", Trigger: "timer",
		Schedule: "0 30 10 * * *", Problems: []string{`last run failed: name "<script>alert(1)</script>.csv"`},
		State: []function.StatusItem{{Name: "records <b>", Value: 1, Unit: "records", Note: "a & b"}}}}}
	var page strings.Builder
	if err := status.WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	got := page.String()
	if strings.Contains(got, "<script>") || strings.Contains(got, "<b>") {
		t.Errorf("report text reached the page unescaped:\n%s", got)
	}
	for _, want := range []string{"&lt;script&gt;", "records &lt;b&gt;", "a &amp; b", "1 function(s) need attention"} {
		if !strings.Contains(got, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
