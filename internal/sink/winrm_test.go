package sink_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

func TestWinRMPut(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	client, err := remoteps.New(srv.ClientConfig(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sink.NewWinRM(clients.WinRMClient{Client: client}, `C:\MIM\Imports\`, "2026-11-25")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := bytes.Repeat([]byte("row,of,data\r\n"), 100_000)
	if err := s.Put(ctx, sink.File{Name: "HR.csv", Size: int64(len(data))}, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if got, err := srv.Disk.ReadFile(`C:\MIM\Imports\2026-11-25\HR.csv`); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}

	cut := &failingReader{data: data[:400_000], err: io.ErrUnexpectedEOF}
	if err := s.Put(ctx, sink.File{Name: "cut.csv", Size: int64(len(data))}, cut); err == nil {
		t.Fatal("Put of a cut stream succeeded")
	}
	if _, err := srv.Disk.ReadFile(`C:\MIM\Imports\2026-11-25\cut.csv`); err == nil {
		t.Fatal("a cut stream reached the server")
	}

	if err := s.Put(ctx, sink.File{Name: "short.csv", Size: 100}, strings.NewReader("short")); err == nil {
		t.Fatal("Put of a short stream succeeded")
	}
	if _, err := srv.Disk.ReadFile(`C:\MIM\Imports\2026-11-25\short.csv`); err == nil {
		t.Fatal("a short stream reached the server")
	}

	long := strings.Repeat("n", 250) + ".csv"
	if err := s.Put(ctx, sink.File{Name: long, Size: 1}, strings.NewReader("x")); err == nil {
		t.Fatal("a path longer than Windows allows was sent")
	}
	for _, bad := range []string{"..", "a\\b", "CON"} {
		if err := s.Put(ctx, sink.File{Name: bad, Size: 1}, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q) succeeded", bad)
		}
	}
	if _, err := sink.NewWinRM(clients.WinRMClient{Client: client}, `relative\dir`, ""); err == nil {
		t.Error("a relative target folder was accepted")
	}
}
