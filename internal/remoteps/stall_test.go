package remoteps_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// TestBrokenPeerEndsTheRunAtItsDeadline: a listener that sends the headers
// of an answer and then stalls, or sends a body that never ends, or never
// answers, fails the run within RequestTimeout (a few of them at most) with
// an error that says what happened, however long the run's own context is.
// A stalled Delete only costs its RequestTimeout: the run's result stands.
func TestBrokenPeerEndsTheRunAtItsDeadline(t *testing.T) {
	const requestTimeout = 300 * time.Millisecond
	tests := []struct {
		name    string
		fault   winrmtest.Fault
		wantErr error  // nil: the run succeeds
		want    string // in the error text
	}{
		{"Receive stalls after its headers", winrmtest.Fault{Op: winrmtest.OpReceive, Kind: winrmtest.StallAfterHeaders}, remoteps.ErrStalled, "did not finish the body within 300ms"},
		{"Receive body never ends", winrmtest.Fault{Op: winrmtest.OpReceive, Kind: winrmtest.EndlessBody}, remoteps.ErrResponseTooLarge, "more than"},
		{"Receive never answered", winrmtest.Fault{Op: winrmtest.OpReceive, Kind: winrmtest.NoAnswer}, nil, "Receive requests in a row got no answer"},
		{"Command stalls after its headers", winrmtest.Fault{Op: winrmtest.OpCommand, Kind: winrmtest.StallAfterHeaders}, remoteps.ErrStalled, "starting PowerShell"},
		{"Send body never ends", winrmtest.Fault{Op: winrmtest.OpSend, Kind: winrmtest.EndlessBody}, remoteps.ErrResponseTooLarge, "sending input"},
		{"Create never answered", winrmtest.Fault{Op: winrmtest.OpCreate, Kind: winrmtest.NoAnswer}, nil, "no answer within 300ms"},
		{"Delete stalls after its headers", winrmtest.Fault{Op: winrmtest.OpDelete, Kind: winrmtest.StallAfterHeaders}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := winrmtest.Start(t, winrmtest.Options{Machine: testMachine(nil), MaxEnvelopeSize: 64 * 1024})
			cfg := srv.ClientConfig()
			cfg.RequestTimeout = requestTimeout
			c := newClient(t, cfg)
			srv.SetFault(tt.fault)
			done := make(chan error, 1)
			go func() {
				_, err := c.Run(context.Background(), echoScript, map[string]string{"x": "y"})
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("the run still waits on the broken listener after 30 s")
			}
			if srv.Faulted() == 0 {
				t.Fatal("the fault never fired")
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Run = %v, want success", err)
			case tt.want == "":
				return
			case err == nil:
				t.Fatal("Run succeeded against a broken listener")
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("Run = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// TestCancelEndsAWaitingReceive: a cancelled run does not sit out the
// Receive it is waiting on: the Receive takes the run's context, so even a
// listener that never answers it cannot hold the run past the cancel.
func TestCancelEndsAWaitingReceive(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{Machine: testMachine(nil)})
	cfg := srv.ClientConfig()
	cfg.RequestTimeout = 10 * time.Minute
	c := newClient(t, cfg)
	srv.SetFault(winrmtest.Fault{Op: winrmtest.OpReceive, Kind: winrmtest.NoAnswer})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(ctx, echoScript, nil)
		done <- err
	}()
	for srv.Faulted() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cancelled run still waits on its Receive")
	}
}
