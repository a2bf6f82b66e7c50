package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRedactorForms(t *testing.T) {
	secret := `s3cr"et\value`
	once, _ := json.Marshal(secret)
	twice, _ := json.Marshal(string(once))
	r := NewRedactor(secret, "abc", "-----BEGIN KEY-----\nAAAAlineofkey\n-----END KEY-----")
	tests := []struct{ in, want string }{
		{"raw " + secret, "raw <redacted>"},
		{"json " + string(once), `json "<redacted>"`},
		{"json in json " + string(twice), `json in json "\"<redacted>\""`},
		{"pem line AAAAlineofkey here", "pem line <redacted> here"},
		{"short values stay: abc", "short values stay: abc"},
		{"nothing secret", "nothing secret"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var nilRedactor *Redactor
	if nilRedactor.String("x") != "x" {
		t.Error("a nil Redactor changed its input")
	}
}

func TestLoggerAndCaptureRedact(t *testing.T) {
	secret := "hunter2-password"
	r := NewRedactor(secret)
	var out bytes.Buffer
	capture := NewCapture(New(&out, r, slog.LevelInfo).Handler(), r)
	log := slog.New(capture).With("invocation_id", "id-1")
	log.Info("login", "password", secret, "doc", `{"p":"`+secret+`"}`)
	log.Debug("hidden")
	lines := capture.Lines()
	if strings.Contains(out.String(), secret) || strings.Contains(strings.Join(lines, "\n"), secret) {
		t.Fatalf("secret leaked:\n%s\n%q", out.String(), lines)
	}
	var rec map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &rec); err != nil {
		t.Fatalf("not one JSON line: %v\n%s", err, out.String())
	}
	if rec["invocation_id"] != "id-1" || rec["password"] != "<redacted>" {
		t.Errorf("line = %v", rec)
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "INFO login") {
		t.Errorf("captured %q, want the one INFO line", lines)
	}
}

func TestCaptureSharesLinesAcrossWith(t *testing.T) {
	c := NewCapture(slog.NewJSONHandler(io.Discard, nil), NewRedactor())
	log := slog.New(c)
	log.With("a", 1).Info("one")
	log.WithGroup("g").Info("two")
	_ = c.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelWarn, "three", 0))
	if got := c.Lines(); len(got) != 3 {
		t.Errorf("lines = %q, want three", got)
	}
}

func TestRedactorMultiLineSecrets(t *testing.T) {
	pem := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"
	tests := []struct {
		name, secret, in string
	}{
		{"whole PEM", pem, "key: " + pem},
		{"one PEM line", pem, "bad base64 near MIIEvQIBADANBgkqhkiG9w0BAQEFAASC in key"},
		{"PEM inside a JSON string", pem, func() string { b, _ := json.Marshal(pem); return "doc " + string(b) }()},
		{"CRLF PEM, one line", strings.ReplaceAll(pem, "\n", "\r\n"), "near BKcwggSjAgEAAoIBAQC7 here"},
		{"literal backslash-n PEM, one line", strings.ReplaceAll(pem, "\n", `\n`), "near MIIEvQIBADANBgkqhkiG9w0BAQEFAASC here"},
		{"literal backslash-n PEM, whole", strings.ReplaceAll(pem, "\n", `\n`), "value " + strings.ReplaceAll(pem, "\n", `\n`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewRedactor(tt.secret).String(tt.in)
			for _, part := range []string{"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "BKcwggSjAgEAAoIBAQC7"} {
				if strings.Contains(got, part) {
					t.Errorf("String(%q) = %q: key material left", tt.in, got)
				}
			}
			if !strings.Contains(got, "<redacted>") {
				t.Errorf("String(%q) = %q: nothing redacted", tt.in, got)
			}
		})
	}
}
