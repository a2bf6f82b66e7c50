package remoteps_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// Scripts the tests run. Their bodies are never executed (the stand-in has
// no PowerShell); the stand-in's Host runs the Go emulation of each by name.
const (
	echoScript = "# echo.ps1: prints its parameters\nparam([string]$ParamsJson, $Lines)\n$ParamsJson\n"
	failScript = "# fail.ps1: fails like a missing module\nparam([string]$ParamsJson, $Lines)\nImport-Module NoSuchModule\n"
	waitScript = "# wait.ps1: prints after a pause\nparam([string]$ParamsJson, $Lines)\nStart-Sleep -Milliseconds 300; 'late'\n"
	hangScript = "# hang.ps1: never ends by itself\nparam([string]$ParamsJson, $Lines)\nwhile ($true) { Start-Sleep 1 }\n"
)

// clixmlStderr is what powershell.exe writes to a redirected stderr for an
// error record.
const clixmlStderr = "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
	"<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN><MS><I64 N=\"SourceId\">1</I64></MS></Obj>" +
	"<S S=\"Error\">Import-Module : The specified module 'NoSuchModule' was not loaded_x000D__x000A_</S>" +
	"<S S=\"Error\">At line:3 char:1_x000D__x000A_</S></Objs>"

// hangSignals report that hang.ps1 started and that it was terminated.
type hangSignals struct{ started, terminated chan struct{} }

// testMachine emulates the test scripts.
func testMachine(hang *hangSignals) *winrmtest.Host {
	return &winrmtest.Host{Scripts: map[string]winrmtest.ScriptFunc{
		"echo": func(ctx context.Context, c *winrmtest.Call) int {
			fmt.Fprintf(c.Stdout, "%s\r\n", c.Params)
			return 0
		},
		"fail": func(ctx context.Context, c *winrmtest.Call) int {
			io.WriteString(c.Stderr, clixmlStderr)
			return 1
		},
		"wait": func(ctx context.Context, c *winrmtest.Call) int {
			time.Sleep(300 * time.Millisecond)
			io.WriteString(c.Stdout, "late\r\n")
			return 0
		},
		"hang": func(ctx context.Context, c *winrmtest.Call) int {
			if hang == nil {
				return 1
			}
			_, _ = io.Copy(io.Discard, c.Input) // the client has sent everything
			close(hang.started)
			<-ctx.Done()
			close(hang.terminated)
			return 1
		},
		"long": func(ctx context.Context, c *winrmtest.Call) int {
			fmt.Fprintf(c.Stdout, "%d\r\n", len(c.Source))
			return 0
		},
	}}
}

func newClient(t testing.TB, cfg remoteps.Config) *remoteps.Client {
	t.Helper()
	c, err := remoteps.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func assertNoShells(t *testing.T, srv *winrmtest.Server) {
	t.Helper()
	if n := srv.OpenShells(); n != 0 {
		t.Errorf("%d shell(s) left open on the server", n)
	}
}

func TestRunSuccess(t *testing.T) {
	tests := []struct {
		name string
		opts winrmtest.Options
	}{
		{"NTLM over HTTPS", winrmtest.Options{HTTPS: true}},
		{"NTLM over HTTP", winrmtest.Options{}},
		{"NTLM with a UPN", winrmtest.Options{HTTPS: true, User: "svc-backup@mimlab.test", Password: "UPN-Pa55"}},
		{"Basic over HTTPS", winrmtest.Options{HTTPS: true, Basic: true, NoNTLM: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Machine = testMachine(nil)
			srv := winrmtest.Start(t, tt.opts)
			c := newClient(t, srv.ClientConfig())
			input := map[string]string{"folder": `C:\Backup\2026-11-25-0800`}
			res, err := c.Run(context.Background(), echoScript, input)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil || got["folder"] != input["folder"] {
				t.Errorf("stdout %q, want the parameters back (%v)", res.Stdout, err)
			}
			assertNoShells(t, srv)
		})
	}
}

func TestRunNonZeroExitCarriesReadableStderr(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: testMachine(nil)})
	res, err := newClient(t, srv.ClientConfig()).Run(context.Background(), failScript, nil)
	var exit *remoteps.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("err = %v, want an *ExitError", err)
	}
	if exit.Code != 1 || res.ExitCode != 1 {
		t.Errorf("exit code %d/%d, want 1", exit.Code, res.ExitCode)
	}
	want := "Import-Module : The specified module 'NoSuchModule' was not loaded\r\nAt line:3 char:1\r\n"
	if res.Stderr != want {
		t.Errorf("stderr %q, want %q", res.Stderr, want)
	}
	if !strings.Contains(err.Error(), "fail.ps1 exited with code 1: Import-Module : The specified module 'NoSuchModule' was not loaded") {
		t.Errorf("error %q does not carry the script's error text", err)
	}
	if strings.Contains(err.Error(), "CLIXML") || strings.Contains(err.Error(), "_x000D_") {
		t.Errorf("error %q still has CLIXML in it", err)
	}
	assertNoShells(t, srv)
}

func TestRunWrongCredentials(t *testing.T) {
	tests := []struct {
		name string
		opts winrmtest.Options
	}{
		{"NTLM", winrmtest.Options{HTTPS: true}},
		{"Basic", winrmtest.Options{HTTPS: true, Basic: true, NoNTLM: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Machine = testMachine(nil)
			srv := winrmtest.Start(t, tt.opts)
			cfg := srv.ClientConfig()
			cfg.Password = "not-the-Password-1"
			_, err := newClient(t, cfg).Run(context.Background(), echoScript, nil)
			if !errors.Is(err, remoteps.ErrUnauthorized) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			if !strings.Contains(err.Error(), srv.User()) || !strings.Contains(err.Error(), "MIMSyncCredPassword") {
				t.Errorf("error %q should name the user and the settings to check", err)
			}
			if strings.Contains(err.Error(), cfg.Password) {
				t.Errorf("error %q contains the password", err)
			}
			assertNoShells(t, srv)
		})
	}
}

func TestRunEnvelopeOverTheLimit(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxEnvelopeSize: 150 * 1024, Machine: testMachine(nil)})
	big := "# long.ps1: a long script\n" + strings.Repeat("# padding line to make the script long\n", 10000)

	cfg := srv.ClientConfig()
	cfg.MaxEnvelopeSize = 500 * 1024 // the client believes the 2012+ default; the server is a 2008 R2 (150 KB)
	_, err := newClient(t, cfg).Run(context.Background(), big, nil)
	if !errors.Is(err, remoteps.ErrEnvelopeTooLarge) {
		t.Fatalf("err = %v, want ErrEnvelopeTooLarge", err)
	}
	assertNoShells(t, srv)

	res, err := newClient(t, srv.ClientConfig()).Run(context.Background(), big, nil)
	if err != nil {
		t.Fatalf("with MaxEnvelopeSize matching the server: %v", err)
	}
	if strings.TrimSpace(res.Stdout) != fmt.Sprint(len(big)) {
		t.Errorf("remote saw a script of %s bytes, want %d", res.Stdout, len(big))
	}
	assertNoShells(t, srv)
}

func TestRunReceiveTimeoutsLoop(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxTimeout: 50 * time.Millisecond, Machine: testMachine(nil)})
	res, err := newClient(t, srv.ClientConfig()).Run(context.Background(), waitScript, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(res.Stdout) != "late" {
		t.Errorf("stdout %q, want late", res.Stdout)
	}
	if srv.Stats().TimedOut == 0 {
		t.Error("the server never answered a Receive with w:TimedOut; the test did not exercise the loop")
	}
	assertNoShells(t, srv)
}

func TestRunCancelTerminatesAndDeletesTheShell(t *testing.T) {
	hang := &hangSignals{started: make(chan struct{}), terminated: make(chan struct{})}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxTimeout: 200 * time.Millisecond, Machine: testMachine(hang)})
	c := newClient(t, srv.ClientConfig())
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-hang.started
		cancel()
	}()
	_, err := c.Run(ctx, hangScript, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	select {
	case <-hang.terminated:
	case <-time.After(10 * time.Second):
		t.Fatal("the remote process was never terminated")
	}
	assertNoShells(t, srv)
}

func TestRunScriptLongerThanTheCommandLineLimit(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: testMachine(nil)})
	script := "# long.ps1: longer than cmd.exe allows on a command line\n" + strings.Repeat("Write-Output 'x'\n", 530)
	if len(script) <= 8191 {
		t.Fatalf("script of %d characters is not over the limit", len(script))
	}
	res, err := newClient(t, srv.ClientConfig()).Run(context.Background(), script, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(res.Stdout) != fmt.Sprint(len(script)) {
		t.Errorf("remote saw a script of %s bytes, want %d", res.Stdout, len(script))
	}
	if remoteps.EncodedCommandLength() > 8191 {
		t.Errorf("the bootstrap command line is %d characters, over cmd.exe's limit", remoteps.EncodedCommandLength())
	}

	// The same script as -EncodedCommand, the usual way, does not fit.
	endpoint := &winrm.Endpoint{Host: srv.Host, Port: srv.Port, HTTPS: true, CACert: srv.CACertPEM}
	params := winrm.NewParameters("PT60S", "en-US", 153600)
	params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	wc, err := winrm.NewClientWithParameters(endpoint, srv.User(), srv.Password(), params)
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, code, err := wc.RunPSWithContextWithString(context.Background(), script, "")
	if err != nil || code != 1 || !strings.Contains(stderr, "The command line is too long.") {
		t.Errorf("-EncodedCommand of %d characters: code %d, stderr %q, err %v; want cmd.exe's refusal", len(script), code, stderr, err)
	}
	assertNoShells(t, srv)
}

func TestRunDeliversHostileParametersAsData(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: testMachine(nil)})
	c := newClient(t, srv.ClientConfig())
	for _, v := range hostileValues {
		res, err := c.Run(context.Background(), echoScript, map[string]string{"name": v})
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil || got["name"] != v {
			t.Errorf("sent %q, the script got %q (%v)", v, got["name"], err)
		}
	}
	assertNoShells(t, srv)
}

// A restart of the WinRM service drops the connections and forgets the
// shells: the run fails at once with the transport's error instead of
// waiting for output that will never come.
func TestRunFailsWhenTheServiceRestarts(t *testing.T) {
	hang := &hangSignals{started: make(chan struct{}), terminated: make(chan struct{})}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxTimeout: 100 * time.Millisecond, Machine: testMachine(hang)})
	go func() {
		<-hang.started
		srv.Restart()
	}()
	_, err := newClient(t, srv.ClientConfig()).Run(context.Background(), hangScript, nil)
	if err == nil || !strings.Contains(err.Error(), "hang.ps1: reading output on "+srv.Host) {
		t.Fatalf("err = %v, want a failure reading the output", err)
	}
	assertNoShells(t, srv)
}

// Output that starts with a UTF-8 byte order mark (a console on code page
// 65001 may write one) reaches the caller without it.
func TestRunDropsAByteOrderMark(t *testing.T) {
	host := &winrmtest.Host{Scripts: map[string]winrmtest.ScriptFunc{"echo": func(ctx context.Context, c *winrmtest.Call) int {
		fmt.Fprintf(c.Stdout, "\ufeff%s\r\n", c.Params)
		return 0
	}}}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: host})
	res, err := newClient(t, srv.ClientConfig()).Run(context.Background(), echoScript, map[string]int{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "{\"n\":1}\r\n" {
		t.Errorf("stdout %q, want the JSON without a byte order mark", res.Stdout)
	}
}
