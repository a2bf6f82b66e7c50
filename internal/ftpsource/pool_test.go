package ftpsource

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

func TestPoolDoesNotRedialAServerThatDidNotAnswer(t *testing.T) {
	silent, err := ftptest.StartSilent()
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	o, err := Options{Addr: silent.Addr, TLS: TLSNone, Timeout: 200 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	p := newPool(o)
	defer p.close()
	if _, _, err := p.get(context.Background()); !isTimeout(err) {
		t.Fatalf("first connect: got %v, want a timeout", err)
	}
	start := time.Now()
	_, _, err = p.get(context.Background())
	if err == nil || !isTimeout(err) {
		t.Fatalf("second connect: got %v, want the first timeout again", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("the second connect waited %s: it dialled again", took)
	}
}
