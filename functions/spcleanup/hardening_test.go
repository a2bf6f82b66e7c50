package spcleanup_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tenantops/tenantops/functions/spcleanup"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

// TestRestoredItemRemovesNothing: the project was recycled and restored
// before its message is handled; it is in the list, so no task goes, in
// either mode.
func TestRestoredItemRemovesNothing(t *testing.T) {
	for _, mode := range []string{"recycle", "delete"} {
		t.Run(mode, func(t *testing.T) {
			s := newSite(t, mode)
			projects, _ := s.AddItems("Projects", 1, nil)
			s.link(t, "Tasks", "Project", projects[0], 3)
			bin, err := s.RecycleItems("Projects", projects[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Restore(bin[0]); err != nil {
				t.Fatal(err)
			}
			if err := s.run(t, s.message(projects[0])); err != nil {
				t.Fatal(err)
			}
			if len(s.Items("Tasks")) != 3 || len(s.RecycleBin()) != 0 {
				t.Fatalf("tasks left %d, recycle bin %d", len(s.Items("Tasks")), len(s.RecycleBin()))
			}
			if !strings.Contains(s.logs.String(), "still in the list") {
				t.Fatalf("not logged: %s", s.logs.String())
			}
			// Deleted for good this time: the same message now cleans up.
			if _, err := s.RecycleItems("Projects", projects[0]); err != nil {
				t.Fatal(err)
			}
			if err := s.run(t, s.message(projects[0])); err != nil || len(s.Items("Tasks")) != 0 {
				t.Fatalf("err = %v, %d tasks left", err, len(s.Items("Tasks")))
			}
		})
	}
}

// TestMessageOfAnotherListIDIsMalformed: the title is right but the id is
// another list's (a list replaced since, or a hand-written message).
func TestMessageOfAnotherListIDIsMalformed(t *testing.T) {
	s := newSite(t, "recycle")
	s.link(t, "Tasks", "Project", 7, 2)
	contracts := s.AddList("Contracts")
	message := strings.Replace(s.message(7), s.ListID("Projects"), contracts, 1)
	wantDiscarded(t, s.run(t, message))
	if !strings.Contains(s.logs.String(), "malformed message") || len(s.Items("Tasks")) != 2 {
		t.Fatalf("tasks left %d; log %s", len(s.Items("Tasks")), s.logs.String())
	}
	// The same id in other case and with braces is the watched list.
	upper := strings.Replace(s.message(7), s.ListID("Projects"), "{"+strings.ToUpper(s.ListID("Projects"))+"}", 1)
	if err := s.run(t, upper); err != nil || len(s.Items("Tasks")) != 0 {
		t.Fatalf("err = %v, %d tasks left", err, len(s.Items("Tasks")))
	}
}

// TestSiteURLIsComparedNormalised: other case and a trailing slash are the
// same site.
func TestSiteURLIsComparedNormalised(t *testing.T) {
	s := newSite(t, "recycle")
	s.link(t, "Tasks", "Project", 7, 2)
	message := strings.Replace(s.message(7), s.SiteURL(), strings.ToUpper(s.SiteURL())+"/", 1)
	if err := s.run(t, message); err != nil || len(s.Items("Tasks")) != 0 {
		t.Fatalf("err = %v, %d tasks left", err, len(s.Items("Tasks")))
	}
}

// TestTargetPointingElsewhereIsRefused: Invoices:Contract is a lookup at
// another list; the run fails naming it, and no list is touched, not even
// the valid target's.
func TestTargetPointingElsewhereIsRefused(t *testing.T) {
	s := newSite(t, "recycle")
	s.AddList("Contracts")
	s.AddList("Invoices", sptest.Field{InternalName: "Contract", Type: "Lookup", LookupList: "Contracts"})
	s.link(t, "Tasks", "Project", 7, 2)
	s.link(t, "Invoices", "Contract", 7, 2) // contract 7, not project 7
	tests := map[string]string{
		"lookup at another list": "Tasks:Project;Invoices:Contract",
		"not a lookup":           "Tasks:Project;Invoices:Title",
		"no such column":         "Tasks:Project;Invoices:Nope",
		"title, not name":        "Tasks:Project;Documents:Parent item",
	}
	for name, targets := range tests {
		t.Run(name, func(t *testing.T) {
			s.env["SPCleanupTargets"] = targets
			err := s.run(t, s.message(7))
			refused := targets[strings.Index(targets, ";")+1:]
			if err == nil || !strings.Contains(err.Error(), refused) || strings.Contains(err.Error(), "Tasks:Project:") {
				t.Fatalf("err = %v, want it to name %s alone", err, refused)
			}
			if len(s.Items("Tasks")) != 2 || len(s.Items("Invoices")) != 2 || len(s.RecycleBin()) != 0 {
				t.Fatalf("tasks %d, invoices %d, recycle bin %d", len(s.Items("Tasks")), len(s.Items("Invoices")), len(s.RecycleBin()))
			}
		})
	}
}

// TestTargetsAreResolvedOncePerProcess: the second message reads no
// column; a site of its own resolves its own columns (the cache cannot
// vouch for another site's target).
func TestTargetsAreResolvedOncePerProcess(t *testing.T) {
	s := newSite(t, "recycle")
	s.env["SPCleanupTargets"] = "Tasks:Project"
	s.link(t, "Tasks", "Project", 7, 1)
	s.link(t, "Tasks", "Project", 8, 1)
	if err := s.run(t, s.message(7)); err != nil {
		t.Fatal(err)
	}
	if n := countRequests(s.Server, "/fields/"); n != 1 {
		t.Fatalf("first run read the column %d times", n)
	}
	s.ResetRequests()
	if err := s.run(t, s.message(8)); err != nil || len(s.Items("Tasks")) != 0 {
		t.Fatalf("err = %v, %d tasks left", err, len(s.Items("Tasks")))
	}
	if n := countRequests(s.Server, "/fields/"); n != 0 {
		t.Fatalf("second run read the column %d times", n)
	}
	// Another site, same titles, but its Tasks.Project points elsewhere.
	other := newSite(t, "recycle")
	other.AddList("Contracts")
	other.AddList("Tasks", sptest.Field{InternalName: "Project", Type: "Lookup", LookupList: "Contracts"})
	other.env["SPCleanupTargets"] = "Tasks:Project"
	other.link(t, "Tasks", "Project", 7, 1)
	if err := other.run(t, other.message(7)); err == nil || len(other.Items("Tasks")) != 1 {
		t.Fatalf("err = %v, %d tasks left", err, len(other.Items("Tasks")))
	}
}

// TestBadSettingsFailEvenWithACachedClient: a first good run caches the
// client; malformed targets or mode must still fail every later run and
// show in check.
func TestBadSettingsFailEvenWithACachedClient(t *testing.T) {
	s := newSite(t, "recycle")
	if err := s.run(t, s.message(7)); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ setting, value string }{
		{"SPCleanupTargets", "Tasks"},
		{"SPCleanupTargets", ";"},
		{"SPCleanupMode", "shred"},
	}
	for _, tt := range tests {
		t.Run(tt.setting+"="+tt.value, func(t *testing.T) {
			good := s.env[tt.setting]
			s.env[tt.setting] = tt.value
			defer func() { s.env[tt.setting] = good }()
			if err := s.run(t, s.message(7)); err == nil || !strings.Contains(err.Error(), tt.setting) {
				t.Fatalf("run err = %v, want %s named", err, tt.setting)
			}
			inv := &function.Invocation{Env: s.env, Log: slog.New(slog.DiscardHandler), Clock: time.Now}
			rows := spcleanup.Declaration.Check(context.Background(), inv)
			if len(rows) == 0 || rows[0].OK || !strings.Contains(rows[0].Why, tt.setting) {
				t.Fatalf("check = %+v", rows)
			}
		})
	}
}

// TestFiguresOfACleanup records targets and itemsCleaned.
func TestFiguresOfACleanup(t *testing.T) {
	s := newSite(t, "recycle")
	s.link(t, "Tasks", "Project", 7, 3)
	s.link(t, "Documents", "ParentItem", 7, 2)
	inv := s.invocation(s.message(7))
	if err := spcleanup.Declaration.Run(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	if got := inv.Figures(); got["targets"] != 2 || got["itemsCleaned"] != 5 {
		t.Fatalf("figures %v", got)
	}
}

// TestMalformedMessageExcerptIsBoundedUTF8: a long message of multi-byte
// characters is logged cut on a character boundary.
func TestMalformedMessageExcerptIsBoundedUTF8(t *testing.T) {
	s := newSite(t, "recycle")
	message := "x" + strings.Repeat("é", 3000) // 1 + 6000 bytes: a cut at 2048 bytes falls inside a character
	wantDiscarded(t, s.run(t, message))
	logged := s.logs.String()
	if !utf8.ValidString(logged) || strings.Contains(logged, `\x`) || strings.Contains(logged, "\uFFFD") {
		t.Fatalf("excerpt is not valid UTF-8: %.200q", logged)
	}
	if strings.Count(logged, "é") > 1024 || !strings.Contains(logged, "é…") {
		t.Fatalf("excerpt not bounded: %d characters", strings.Count(logged, "é"))
	}
}

func countRequests(s *sptest.Server, fragment string) int {
	n := 0
	for _, r := range s.Requests() {
		if strings.Contains(strings.ToLower(r), strings.ToLower(fragment)) {
			n++
		}
	}
	return n
}
