package remoteps_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/winrmtest"
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
