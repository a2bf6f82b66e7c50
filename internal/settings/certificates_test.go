package settings

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

func selfSignedPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mim.example.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestCertificates(t *testing.T) {
	multiLine := selfSignedPEM(t)
	oneLine := strings.ReplaceAll(multiLine, "\n", `\n`)
	tests := []struct {
		name, value string
		wantPEM     bool
		wantProblem bool
	}{
		{"unset", "", false, false},
		{"multi-line PEM", multiLine, true, false},
		{"one line with escaped newlines", oneLine, true, false},
		{"not a certificate", "MIIB-not-pem", false, true},
		{"a private key is not a certificate", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewParser(MapEnv{FTPCACert.Name: tt.value})
			got := p.Certificates(FTPCACert)
			if (got != nil) != tt.wantPEM {
				t.Errorf("Certificates returned %d bytes, want PEM: %t", len(got), tt.wantPEM)
			}
			if got != nil && !x509.NewCertPool().AppendCertsFromPEM(got) {
				t.Error("returned bytes do not parse as PEM certificates")
			}
			if err := p.Err(); (err != nil) != tt.wantProblem {
				t.Errorf("Err() = %v, want a problem: %t", err, tt.wantProblem)
			}
		})
	}
}
