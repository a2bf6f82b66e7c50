package sink_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// TestWinRMPutRefusesWhatWindowsWouldNot: paths over MAX_PATH and relative
// target folders; the rest of the Sink contract is in the shared suite.
func TestWinRMPutRefusesWhatWindowsWouldNot(t *testing.T) {
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
	long := strings.Repeat("n", 250) + ".csv"
	if err := s.Put(ctx, sink.File{Name: long, Size: 1}, strings.NewReader("x")); err == nil {
		t.Fatal("a path longer than Windows allows was sent")
	}
	if _, err := sink.NewWinRM(clients.WinRMClient{Client: client}, `relative\dir`, ""); err == nil {
		t.Error("a relative target folder was accepted")
	}
}
