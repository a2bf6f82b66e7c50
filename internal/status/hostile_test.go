package status_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/status"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// hostileError is what an FTP server's reply could carry into a record:
// an OSC that retitles the terminal, a CSI that clears it, a C1 CSI, a bidi
// override that reverses what follows, a byte that is not UTF-8 (JSON keeps
// it as U+FFFD) and a tab.
const hostileError = "ftp: 550 \x1b]0;owned\x07\x1b[2J\u009b31m\u202Egpj.exe\xff\tdone"

// TestHostileRecords: records written to Azurite by someone other than the
// app (or carrying a remote server's words) cannot fool the report. Control
// characters are shown escaped in the text, a start in the future is clock
// skew that needs attention, and a history blob too large to be a record
// marks that function only.
func TestHostileRecords(t *testing.T) {
	ctx := context.Background()
	az := azuritetest.Start(t)
	c := az.Account.Blob.ServiceClient().NewContainerClient(runrecord.Container)
	store := runrecord.NewStore(c)
	write(t, store, "Hourly", now.Add(3*time.Hour), nil, nil)
	latest := runrecord.New("Worker", "inv", now.Add(-time.Minute), time.Second, map[string]any{"note": "\x1b[31mred\x1b[0m"}, nil)
	latest.Outcome, latest.Error = runrecord.Failed, hostileError
	line, _ := json.Marshal(latest)
	if _, err := c.NewBlockBlobClient("runs/Worker/latest.json").UploadBuffer(ctx, line, nil); err != nil {
		t.Fatal(err)
	}
	write(t, store, "Nightly", time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC), nil, nil)
	huge := bytes.Repeat([]byte("x"), 64<<20+1)
	if _, err := c.NewBlockBlobClient("runs/Nightly/2026-11-29.jsonl").UploadBuffer(ctx, huge, nil); err != nil {
		t.Fatal(err)
	}

	r := collect(t, store, settings.MapEnv{}, 0)
	if f := byName(r, "Hourly"); !f.Bad() || !strings.Contains(strings.Join(f.Problems, "|"), "clock skew") {
		t.Errorf("a start 3 hours ahead is clock skew needing attention: %+v", f.Problems)
	}
	nightly := byName(r, "Nightly")
	if !nightly.Bad() || !strings.Contains(strings.Join(nightly.Problems, "|"), "history could not be read") || nightly.Last == nil {
		t.Errorf("an oversize history marks its function and keeps its last run: %+v", nightly)
	}
	if r.Bad() != 3 {
		t.Errorf("Bad() = %d, want 3 (skew, unreadable history, failed run)", r.Bad())
	}

	var text bytes.Buffer
	if err := status.WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, raw := range []string{"\x1b", "\x07", "\u009b", "\u202E", "\xff"} {
		if strings.Contains(out, raw) {
			t.Errorf("the text report carries %q raw:\n%s", raw, out)
		}
	}
	for _, want := range []string{`\x1b]0;owned\x07\x1b[2J\u009b31m\u202egpj.exe` + "\uFFFD" + `\x09done`, `note=\x1b[31mred\x1b[0m`, "FUTURE"} {
		if !strings.Contains(out, want) {
			t.Errorf("the text report lacks %q:\n%s", want, out)
		}
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text: ä 日本", "plain text: ä 日本"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"bell\x07", `bell\x07`},
		{"del\x7f", `del\x7f`},
		{"c1\u0085", `c1\u0085`},
		{"rlo\u202Eisolate\u2067", `rlo\u202eisolate\u2067`},
		{"line\u2028sep", `line\u2028sep`},
		{"bad\xffbyte", `bad\xffbyte`},
		{`back\slash`, `back\\slash`},
		{"new\nline\r", `new\x0aline\x0d`},
	}
	for _, tt := range tests {
		if got := status.Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
