package pause_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/pause"
)

func TestFor(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"waits the time", context.Background(), time.Millisecond, nil},
		{"nothing to wait", context.Background(), 0, nil},
		{"negative", context.Background(), -time.Second, nil},
		{"context already ended", ended, time.Hour, context.Canceled},
		{"context ended, no wait", ended, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := pause.For(tt.ctx, tt.d); !errors.Is(err, tt.want) {
				t.Errorf("For = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestForEndsWithTheContext: a long pause returns when its context is
// cancelled, not when its time is up.
func TestForEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pause.For(ctx, time.Hour) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("For = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("For did not return after its context was cancelled")
	}
}
