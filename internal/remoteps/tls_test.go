package remoteps_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

func TestCertificateChecks(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: testMachine(nil)})

	untrusted := srv.ClientConfig()
	untrusted.CACertPEM = nil // the system roots do not know the listener's self-signed certificate
	_, err := newClient(t, untrusted).Run(context.Background(), echoScript, nil)
	if !errors.Is(err, remoteps.ErrUntrustedCertificate) || !strings.Contains(err.Error(), "MIMSyncWinRMCACert") {
		t.Errorf("err = %v, want ErrUntrustedCertificate naming MIMSyncWinRMCACert", err)
	}

	insecure := untrusted
	insecure.InsecureSkipVerify = true
	var logs bytes.Buffer
	c, err := remoteps.New(insecure, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), echoScript, nil); err != nil {
		t.Errorf("with InsecureSkipVerify: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "NOT checked") {
		t.Errorf("no warning logged for InsecureSkipVerify:\n%s", logs.String())
	}
	assertNoShells(t, srv)
}

// colonHex writes a hex fingerprint the way openssl prints it: upper case,
// a colon between bytes.
func colonHex(h string) string {
	var parts []string
	for i := 0; i+2 <= len(h); i += 2 {
		parts = append(parts, strings.ToUpper(h[i:i+2]))
	}
	return strings.Join(parts, ":")
}

func TestCertificatePin(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, TLSNames: []string{"mimsync01.mimlab.example"}, Machine: testMachine(nil)})
	pinned := srv.ClientConfig()
	pinned.CACertPEM = nil // neither the system roots nor the name (an address) would pass

	for _, pin := range []string{srv.CertSHA256(), colonHex(srv.CertSHA256()), strings.ToUpper(srv.CertSHA256())} {
		pinned.CertSHA256 = pin
		if _, err := newClient(t, pinned).Run(context.Background(), echoScript, nil); err != nil {
			t.Errorf("pin %q: %v", pin, err)
		}
	}

	wrong := pinned
	wrong.CertSHA256 = strings.Repeat("ab", 32)
	_, err := newClient(t, wrong).Run(context.Background(), echoScript, nil)
	if !errors.Is(err, remoteps.ErrCertificateMismatch) {
		t.Fatalf("wrong pin: err = %v, want ErrCertificateMismatch", err)
	}
	for _, want := range []string{srv.CertSHA256(), strings.Repeat("ab", 32), "MIMSyncWinRMCertThumbprint"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("wrong pin: error %q does not show %s", err, want)
		}
	}
	if strings.Contains(err.Error(), srv.Password()) {
		t.Errorf("error %q contains the password", err)
	}
	if srv.Stats().Commands != 3 {
		t.Errorf("%d commands ran, want 3: a refused certificate must stop the client before it sends anything", srv.Stats().Commands)
	}
	assertNoShells(t, srv)
}

// A pinned certificate is verified TLS: Basic may be used, as with a
// certificate that chains to a trusted CA; never with verification off.
func TestCertificatePinCountsAsVerifiedForBasic(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Basic: true, NoNTLM: true, Machine: testMachine(nil)})
	cfg := srv.ClientConfig()
	cfg.Auth = remoteps.AuthNTLM // asks for NTLM, the listener offers Basic only
	cfg.CACertPEM, cfg.CertSHA256 = nil, srv.CertSHA256()
	if _, err := newClient(t, cfg).Run(context.Background(), echoScript, nil); err != nil {
		t.Errorf("Basic inside pinned TLS: %v", err)
	}
	cfg.CertSHA256, cfg.InsecureSkipVerify = "", true
	if _, err := newClient(t, cfg).Run(context.Background(), echoScript, nil); !errors.Is(err, remoteps.ErrNTLMNotOffered) {
		t.Errorf("Basic with verification off: err = %v, want ErrNTLMNotOffered", err)
	}
}

func TestTLSServerName(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, TLSNames: []string{"mimsync01.mimlab.example"}, Machine: testMachine(nil)})
	cfg := srv.ClientConfig() // trusts the certificate, connects by address
	_, err := newClient(t, cfg).Run(context.Background(), echoScript, nil)
	if !errors.Is(err, remoteps.ErrUntrustedCertificate) || !strings.Contains(err.Error(), "MIMSyncWinRMTLSServerName") {
		t.Fatalf("by address: err = %v, want ErrUntrustedCertificate naming MIMSyncWinRMTLSServerName", err)
	}
	cfg.TLSServerName = "mimsync01.mimlab.example"
	if _, err := newClient(t, cfg).Run(context.Background(), echoScript, nil); err != nil {
		t.Errorf("with the server name: %v", err)
	}
	cfg.TLSServerName = "other.mimlab.example"
	if _, err := newClient(t, cfg).Run(context.Background(), echoScript, nil); !errors.Is(err, remoteps.ErrUntrustedCertificate) {
		t.Errorf("with another name: err = %v, want ErrUntrustedCertificate", err)
	}
	assertNoShells(t, srv)
}

func TestCertificatePinConfigErrors(t *testing.T) {
	base := remoteps.Config{Host: "mimsync01", HTTPS: true, User: "u", Password: "p"}
	tests := []struct {
		name string
		edit func(*remoteps.Config)
		want string
	}{
		{"SHA-1 thumbprint", func(c *remoteps.Config) { c.CertSHA256 = strings.Repeat("a1", 20) }, "SHA-1"},
		{"not hex", func(c *remoteps.Config) { c.CertSHA256 = strings.Repeat("zz", 32) }, "64 hex digits"},
		{"over HTTP", func(c *remoteps.Config) { c.CertSHA256, c.HTTPS = strings.Repeat("ab", 32), false }, "HTTPS"},
		{"with InsecureSkipVerify", func(c *remoteps.Config) { c.CertSHA256, c.InsecureSkipVerify = strings.Repeat("ab", 32), true }, "not both"},
	}
	for _, tt := range tests {
		cfg := base
		tt.edit(&cfg)
		if _, err := remoteps.New(cfg, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one saying %q", tt.name, err, tt.want)
		}
	}
}
