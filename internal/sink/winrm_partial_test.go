package sink_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// TestWinRMDeliveryRemovesItsOwnStaleLeftovers: a process killed in the
// middle of an upload leaves its temporary file (.<16 hex>.partial) in the
// target folder. The next delivery into that folder, one file at a time or
// through the shared upload processes, removes the ones last written a day
// ago or more, and nothing else: not a fresh one (an upload may be writing
// it), not other names, not other folders.
func TestWinRMDeliveryRemovesItsOwnStaleLeftovers(t *testing.T) {
	const folder = `C:\MIM\Imports\2026-11-25`
	leftovers := []struct {
		path string
		old  bool
		gone bool
	}{
		{folder + `\.0123456789abcdef.partial`, true, true},
		{folder + `\.fedcba9876543210.partial`, true, true},
		{folder + `\.00112233445566ff.partial`, false, false},           // fresh: an upload may be writing it
		{folder + `\.0123456789ABCDEF.partial`, true, false},            // not the scripts' shape (upper case)
		{folder + `\.0123456789abcde.partial`, true, false},             // 15 digits
		{folder + `\report.partial`, true, false},                       // someone else's file
		{folder + `\.0123456789abcdef.partial.csv`, true, false},        // another extension
		{`C:\MIM\Imports\other\.0123456789abcdef.partial`, true, false}, // a folder this delivery does not write
	}
	tests := []struct {
		name     string
		uploader func(t *testing.T, c *remoteps.Client) sink.Uploader
	}{
		{"one process per file", func(t *testing.T, c *remoteps.Client) sink.Uploader { return clients.WinRMClient{Client: c} }},
		{"shared upload processes", func(t *testing.T, c *remoteps.Client) sink.Uploader {
			u := c.NewUploads(context.Background(), 2)
			t.Cleanup(func() { _ = u.Close() })
			return clients.WinRMUploads{Uploads: u}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := winrmtest.Start(t, winrmtest.Options{})
			for _, l := range leftovers {
				if err := srv.Disk.WriteFile(l.path, []byte("cut off")); err != nil {
					t.Fatal(err)
				}
				if l.old {
					local, _ := srv.Disk.Path(l.path)
					old := time.Now().Add(-winrmtest.PartialMaxAge - time.Hour)
					if err := os.Chtimes(local, old, old); err != nil {
						t.Fatal(err)
					}
				}
			}
			client, err := remoteps.New(srv.ClientConfig(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			s, err := sink.NewWinRM(tt.uploader(t, client), `C:\MIM\Imports`, "2026-11-25")
			if err != nil {
				t.Fatal(err)
			}
			data := []byte("row,of,data\r\n")
			if err := s.Put(context.Background(), sink.File{Name: "HR.csv", Size: int64(len(data))}, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			for _, l := range leftovers {
				_, err := srv.Disk.ReadFile(l.path)
				if gone := os.IsNotExist(err); gone != l.gone {
					t.Errorf("%s: removed = %v, want %v", l.path, gone, l.gone)
				}
			}
			if got, err := srv.Disk.ReadFile(folder + `\HR.csv`); err != nil || !bytes.Equal(got, data) {
				t.Errorf("the delivered file: %q, %v", got, err)
			}
		})
	}
}
