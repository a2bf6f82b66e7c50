package winrmtest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// client is a plain masterzen client for the server, NTLM or Basic.
func client(t *testing.T, srv *winrmtest.Server, ntlm bool, password string, envelope int) *winrm.Client {
	t.Helper()
	endpoint := &winrm.Endpoint{Host: srv.Host, Port: srv.Port, HTTPS: srv.HTTPS, CACert: srv.CACertPEM, Timeout: 30 * time.Second}
	params := winrm.NewParameters("PT60S", "en-US", envelope)
	if ntlm {
		params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	}
	c, err := winrm.NewClientWithParameters(endpoint, srv.User(), password, params)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func echo(ctx context.Context, p *winrmtest.Process) int {
	in, _ := io.ReadAll(p.Stdin)
	io.WriteString(p.Stdout, p.CommandLine+"|"+string(in))
	return 3
}

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name     string
		opts     winrmtest.Options
		ntlm     bool
		password string
		ok       bool
	}{
		{"NTLM, right password", winrmtest.Options{HTTPS: true}, true, winrmtest.DefaultPassword, true},
		{"NTLM, wrong password", winrmtest.Options{HTTPS: true}, true, "wrong-password", false},
		{"NTLM over HTTP", winrmtest.Options{}, true, winrmtest.DefaultPassword, true},
		{"Basic, off by default as on Windows", winrmtest.Options{HTTPS: true}, false, winrmtest.DefaultPassword, false},
		{"Basic, switched on", winrmtest.Options{HTTPS: true, Basic: true}, false, winrmtest.DefaultPassword, true},
		{"Basic, wrong password", winrmtest.Options{HTTPS: true, Basic: true}, false, "wrong-password", false},
		{"NTLM refused", winrmtest.Options{HTTPS: true, Basic: true, NoNTLM: true}, true, winrmtest.DefaultPassword, true}, // falls back to Basic
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Machine = winrmtest.MachineFunc(echo)
			srv := winrmtest.Start(t, tt.opts)
			stdout, _, code, err := client(t, srv, tt.ntlm, tt.password, 153600).RunWithContextWithString(context.Background(), "type", "in")
			if !tt.ok {
				if err == nil || !strings.Contains(err.Error(), "401") {
					t.Fatalf("err = %v, want HTTP 401", err)
				}
				return
			}
			if err != nil || code != 3 || stdout != "type|in" {
				t.Fatalf("stdout %q code %d err %v", stdout, code, err)
			}
			if srv.OpenShells() != 0 {
				t.Errorf("%d shells left open", srv.OpenShells())
			}
		})
	}
}

func TestUnknownShellFaults(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{Basic: true, Machine: winrmtest.MachineFunc(echo)})
	msg := winrm.NewExecuteCommandRequest(srv.URL, "0B0C0D0E-0000-0000-0000-000000000000", "dir", nil, winrm.DefaultParameters)
	status, body := post(t, srv, msg.String())
	if status != http.StatusInternalServerError || !strings.Contains(body, "the shell was not found on the server") ||
		!strings.Contains(body, `Code="2150858843"`) || !strings.Contains(body, "w:InvalidSelectors") {
		t.Fatalf("HTTP %d %s, want the shell-not-found fault", status, body)
	}
}

func TestRequestOverMaxEnvelopeSizeGets413(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxEnvelopeSize: 32 * 1024, Machine: winrmtest.MachineFunc(echo)})
	c := client(t, srv, true, winrmtest.DefaultPassword, 153600)
	_, _, _, err := c.RunWithContextWithString(context.Background(), "type "+strings.Repeat("x", 40*1024), "")
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Fatalf("err = %v, want HTTP 413", err)
	}
}

// MS-WSMV 3.1.4.1.7: a MaxEnvelopeSize under 8192 octets gets wsman:EncodingLimit.
func TestMaxEnvelopeSizeBelowTheMinimumFaults(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{Basic: true, Machine: winrmtest.MachineFunc(echo)})
	tests := []struct {
		envelope int
		status   int
	}{{4096, http.StatusInternalServerError}, {8191, http.StatusInternalServerError}, {8192, http.StatusOK}, {153600, http.StatusOK}}
	for _, tt := range tests {
		msg := winrm.NewOpenShellRequest(srv.URL, winrm.NewParameters("PT60S", "en-US", tt.envelope))
		status, body := post(t, srv, msg.String())
		fault := strings.Contains(body, "w:EncodingLimit") && strings.Contains(body, `Code="2150858823"`)
		if status != tt.status || fault != (tt.status != http.StatusOK) {
			t.Errorf("MaxEnvelopeSize %d: HTTP %d %s", tt.envelope, status, body)
		}
	}
}

// post sends one request with Basic credentials and returns the answer.
func post(t *testing.T, srv *winrmtest.Server, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.SetBasicAuth(srv.User(), srv.Password())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestReceiveWithoutOutputTimesOut(t *testing.T) {
	slow := func(ctx context.Context, p *winrmtest.Process) int {
		time.Sleep(250 * time.Millisecond)
		io.WriteString(p.Stdout, "done")
		return 0
	}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxTimeout: 40 * time.Millisecond, Machine: winrmtest.MachineFunc(slow)})
	stdout, _, code, err := client(t, srv, true, winrmtest.DefaultPassword, 153600).RunWithContextWithString(context.Background(), "slow", "")
	if err != nil || code != 0 || stdout != "done" {
		t.Fatalf("stdout %q code %d err %v", stdout, code, err)
	}
	if srv.Stats().TimedOut == 0 {
		t.Error("no Receive was answered with w:TimedOut")
	}
}

func TestReceiveStaysWithinTheEnvelope(t *testing.T) {
	big := func(ctx context.Context, p *winrmtest.Process) int {
		io.WriteString(p.Stdout, strings.Repeat("y", 200*1024))
		return 0
	}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: winrmtest.MachineFunc(big)})
	stdout, _, _, err := client(t, srv, true, winrmtest.DefaultPassword, 16*1024).RunWithContextWithString(context.Background(), "big", "")
	if err != nil || len(stdout) != 200*1024 {
		t.Fatalf("got %d bytes, err %v", len(stdout), err)
	}
}

func TestCommandLineLimit(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: winrmtest.MachineFunc(echo)})
	_, stderr, code, err := client(t, srv, true, winrmtest.DefaultPassword, 153600).RunWithContextWithString(context.Background(), "echo "+strings.Repeat("x", 8200), "")
	if err != nil || code != 1 || !strings.Contains(stderr, "The command line is too long.") {
		t.Fatalf("stderr %q code %d err %v", stderr, code, err)
	}
}

func TestCommandLineOverCreateProcessLimitFaults(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: winrmtest.MachineFunc(echo)})
	_, _, _, err := client(t, srv, true, winrmtest.DefaultPassword, 153600).RunWithContextWithString(context.Background(), "echo "+strings.Repeat("x", 33000), "")
	if err == nil || !strings.Contains(err.Error(), "wsman/fault") {
		t.Fatalf("err = %v, want the Command fault", err)
	}
	if srv.OpenShells() != 0 {
		t.Errorf("%d shells left open", srv.OpenShells())
	}
}

func TestDiskPath(t *testing.T) {
	d, err := winrmtest.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`relative`, `C:\a\..\..\x`, `\\server\share\x`} {
		if _, err := d.Path(bad); err == nil {
			t.Errorf("Path(%q) accepted", bad)
		}
	}
	if err := d.WriteFile(`c:\Data\x.txt`, []byte("1")); err != nil {
		t.Fatal(err)
	}
	if b, err := d.ReadFile(`C:\Data\x.txt`); err != nil || string(b) != "1" {
		t.Errorf("read back %q, %v", b, err)
	}
}

// masterzen starts commands with WINRS_CONSOLEMODE_STDIN=TRUE; PowerShell's
// $input then reads nothing of what is sent.
func TestHostSeesNoPipedStdinInConsoleMode(t *testing.T) {
	var called atomic.Bool
	host := &winrmtest.Host{Scripts: map[string]winrmtest.ScriptFunc{"echo": func(ctx context.Context, c *winrmtest.Call) int {
		called.Store(true)
		return 0
	}}}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: host})
	bootstrap := winrm.Powershell(`$lines = $input; & ([ScriptBlock]::Create($source)) $json $lines`)
	stdin := "IyBlY2hvLnBzMTogeA==\ne30=\n" // "# echo.ps1: x", "{}"
	_, stderr, code, err := client(t, srv, true, winrmtest.DefaultPassword, 153600).RunWithContextWithString(context.Background(), bootstrap, stdin)
	if err != nil || code != 2 || !strings.Contains(stderr, "no script on stdin") || called.Load() {
		t.Fatalf("code %d stderr %q err %v called %v; want the bootstrap to find stdin empty", code, stderr, err, called.Load())
	}
}

// Each command pays the start cost before it runs, and the server counts
// the shells and commands it was asked for.
func TestStartCostAndCounts(t *testing.T) {
	var ran atomic.Int32
	started := make(chan time.Time, 2)
	m := func(ctx context.Context, p *winrmtest.Process) int {
		ran.Add(1)
		started <- time.Now()
		return 0
	}
	const cost = 150 * time.Millisecond
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, StartCost: cost, Machine: winrmtest.MachineFunc(m)})
	c := client(t, srv, true, winrmtest.DefaultPassword, 153600)
	for range 2 {
		sent := time.Now()
		if _, _, code, err := c.RunWithContextWithString(context.Background(), "powershell.exe -NoProfile", ""); err != nil || code != 0 {
			t.Fatalf("code %d, err %v", code, err)
		}
		if at := <-started; at.Sub(sent) < cost {
			t.Errorf("the process ran %s after the command was sent, before its start cost of %s", at.Sub(sent), cost)
		}
	}
	if st := srv.Stats(); st.Shells != 2 || st.Commands != 2 || ran.Load() != 2 {
		t.Errorf("stats %+v after two runs, want 2 shells and 2 commands", st)
	}
}

// A process whose output nobody takes waits, as on a full pipe, and its
// writes fail once it was terminated.
func TestOutputWaitsForReceive(t *testing.T) {
	wrote := make(chan error, 1)
	m := func(ctx context.Context, p *winrmtest.Process) int {
		_, err := p.Stdout.Write(make([]byte, 4<<20))
		wrote <- err
		return 0
	}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: winrmtest.MachineFunc(m)})
	c := client(t, srv, true, winrmtest.DefaultPassword, 153600)
	shell, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := shell.ExecuteWithContext(context.Background(), "bigwriter")
	if err != nil {
		t.Fatal(err)
	}
	// Nobody reads cmd.Stdout: masterzen's output loop stops after the
	// first Receive, so most of the output stays with the server.
	select {
	case err := <-wrote:
		t.Fatalf("4 MiB of output went through unread (write error %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	_ = cmd.Close()
	if err := <-wrote; err == nil {
		t.Error("the write of a terminated process succeeded")
	}
	_ = shell.Close()
}
