package main

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestShutdownLetsCancelledInvocationsWindDown: an invocation still running
// when the grace ends is cancelled and given time to save what it did; one
// that ignores the cancel is cut off after windDown.
func TestShutdownLetsCancelledInvocationsWindDown(t *testing.T) {
	tests := []struct {
		name      string
		heedsStop bool
		wantErr   bool
	}{
		{"saves and returns when cancelled", true, false},
		{"ignores the cancel", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var saved atomic.Bool
			started := make(chan struct{})
			base, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv := &http.Server{BaseContext: func(net.Listener) context.Context { return base },
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					close(started)
					if tt.heedsStop {
						<-r.Context().Done()
						time.Sleep(50 * time.Millisecond) // saving progress
						saved.Store(true)
						return
					}
					time.Sleep(3 * time.Second)
				})}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = srv.Serve(ln) }()
			go func() { _, _ = http.Get("http://" + ln.Addr().String() + "/") }()
			<-started
			err = shutdown(srv, cancel, 100*time.Millisecond, time.Second)
			if (err != nil) != tt.wantErr {
				t.Fatalf("shutdown = %v, want error %v", err, tt.wantErr)
			}
			if tt.heedsStop && !saved.Load() {
				t.Error("the cancelled invocation was not waited for")
			}
		})
	}
}

// TestWindDownOutlastsEveryStopWait: after SIGTERM's grace, a cancelled run
// still has stop waits of its own; the process must wait them out rather
// than exit first (it once exited 10 s after the cancel, inside a 20 s
// stop wait). Each row is one wait a cancelled run can be in, in sequence.
func TestWindDownOutlastsEveryStopWait(t *testing.T) {
	tests := []struct {
		name  string
		waits []time.Duration
	}{
		{"FtpRetrieve: transfers stop, state saved, run recorded", []time.Duration{20 * time.Second, 30 * time.Second, recordTimeout}},
		{"WinRM uploads: each process closes, run recorded", []time.Duration{15 * time.Second, recordTimeout}},
		{"MimConfigBackup: the Receive in flight returns, run recorded", []time.Duration{20 * time.Second, recordTimeout}},
	}
	for _, tt := range tests {
		var sum time.Duration
		for _, w := range tt.waits {
			sum += w
		}
		if windDown < sum {
			t.Errorf("%s: the run may need %s after the cancel, the handler waits %s", tt.name, sum, windDown)
		}
	}
}

// TestShutdownWaitsOutAStopWaitLongerThanTenSeconds drives shutdown with
// the handler's own wind-down: an invocation that, once cancelled, spends
// 15 s in a stop wait (a WinRM upload process's close wait) and then saves
// is waited for, and shutdown reports success.
func TestShutdownWaitsOutAStopWaitLongerThanTenSeconds(t *testing.T) {
	t.Parallel()
	const stopWait = 15 * time.Second
	var saved atomic.Bool
	started := make(chan struct{})
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &http.Server{BaseContext: func(net.Listener) context.Context { return base },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
			time.Sleep(stopWait)
			saved.Store(true)
		})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	go func() { _, _ = http.Get("http://" + ln.Addr().String() + "/") }()
	<-started
	if err := shutdown(srv, cancel, 100*time.Millisecond, windDown); err != nil {
		t.Fatalf("shutdown = %v, want the stopped run waited for", err)
	}
	if !saved.Load() {
		t.Error("the process would exit before the stopped run saved its work")
	}
}
