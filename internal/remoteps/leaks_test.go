package remoteps_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// A run cancelled while the server is still making its shell must still
// delete that shell: the Create is not abandoned once it has been sent.
func TestRunCancelledWhileCreatingLeavesNoShell(t *testing.T) {
	tests := []struct {
		name string
		opts winrmtest.Options
	}{
		{"Basic, one request", winrmtest.Options{Basic: true, NoNTLM: true}},
		{"NTLM handshake", winrmtest.Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Latency, tt.opts.Machine = 300*time.Millisecond, testMachine(nil)
			srv := winrmtest.Start(t, tt.opts)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_, err := newClient(t, srv.ClientConfig()).Run(ctx, echoScript, nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			time.Sleep(2 * tt.opts.Latency) // whatever the server was still doing
			assertNoShells(t, srv)
			if srv.Stats().Commands != 0 {
				t.Errorf("%d command(s) started after the run was cancelled", srv.Stats().Commands)
			}
		})
	}
}

// go-ntlmssp sends the password as Basic to a listener that offers neither
// Negotiate nor NTLM; with NTLM asked for, the client refuses instead.
func TestRunNTLMNeverFallsBackToBasic(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{Basic: true, NoNTLM: true, Machine: testMachine(nil)})
	cfg := srv.ClientConfig()
	cfg.Auth = remoteps.AuthNTLM
	_, err := newClient(t, cfg).Run(context.Background(), echoScript, nil)
	if !errors.Is(err, remoteps.ErrNTLMNotOffered) {
		t.Fatalf("err = %v, want ErrNTLMNotOffered", err)
	}
	if strings.Contains(err.Error(), srv.Password()) {
		t.Errorf("error %q contains the password", err)
	}
	if srv.OpenShells() != 0 || srv.Stats().Commands != 0 {
		t.Error("a shell was opened without NTLM")
	}
}

// Over HTTPS with a verified certificate, a listener that offers only Basic
// gets Basic (the Windows client's default); with verification off it does not.
func TestRunBasicOnlyListenerOverVerifiedHTTPS(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Basic: true, NoNTLM: true, Machine: testMachine(nil)})
	cfg := srv.ClientConfig()
	cfg.Auth = remoteps.AuthNTLM
	if _, err := newClient(t, cfg).Run(context.Background(), echoScript, nil); err != nil {
		t.Fatalf("verified HTTPS, Basic-only listener: %v", err)
	}
	cfg.CACertPEM, cfg.InsecureSkipVerify = nil, true
	if _, err := newClient(t, cfg).Run(context.Background(), echoScript, nil); !errors.Is(err, remoteps.ErrNTLMNotOffered) {
		t.Fatalf("unverified HTTPS: err = %v, want ErrNTLMNotOffered", err)
	}
	assertNoShells(t, srv)
}

// After a restart of the WinRM service the Delete finds no shell: that is
// the shell being gone, not a leak to warn about.
func TestRunAfterRestartDoesNotWarnOfALeak(t *testing.T) {
	hang := &hangSignals{started: make(chan struct{}), terminated: make(chan struct{})}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxTimeout: 100 * time.Millisecond, Machine: testMachine(hang)})
	go func() {
		<-hang.started
		srv.Restart()
	}()
	var logs bytes.Buffer
	c, err := remoteps.New(srv.ClientConfig(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), hangScript, nil); err == nil {
		t.Fatal("the run succeeded across a restart")
	}
	if strings.Contains(logs.String(), "deleting the shell failed") {
		t.Errorf("a gone shell was reported as left open:\n%s", logs.String())
	}
}

func TestConfigNeverShowsThePassword(t *testing.T) {
	cfg := remoteps.Config{Host: "mim01", User: `LAB\svc`, Password: "Pa55-w0rd-in-config", Auth: remoteps.AuthNTLM}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("cfg", "winrm", cfg)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("cfg", "winrm", cfg)
	renderings := map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", cfg),
		"%s":          fmt.Sprintf("%s", cfg), //lint:ignore S1025 every formatting verb is the point of the test
		"pointer %+v": fmt.Sprintf("%+v", &cfg),
		"slog text":   text.String(), "slog json": js.String(),
	}
	for how, s := range renderings {
		if strings.Contains(s, cfg.Password) {
			t.Errorf("%s shows the password: %s", how, s)
		}
		if !strings.Contains(s, "mim01") {
			t.Errorf("%s lost the host: %s", how, s)
		}
	}
}
