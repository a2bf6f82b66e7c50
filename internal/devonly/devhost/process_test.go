package devhost

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAwaitReadyNamesWhatRanOut: a handler that never answers is reported as
// such only when the start timeout itself passed; when the caller's context
// was spent first (by a cold build, say), the error says so instead of
// blaming the handler.
func TestAwaitReadyNamesWhatRanOut(t *testing.T) {
	// A port that refuses connections: listen, note it, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	spent, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"start timeout", context.Background(), "did not answer GET / on port " + port + " within 200ms"},
		{"caller's context spent", spent, "the caller's context ended: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &process{port: port, done: make(chan struct{})}
			err := p.awaitReady(tt.ctx, &http.Client{Timeout: time.Second}, 200*time.Millisecond)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("awaitReady = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
