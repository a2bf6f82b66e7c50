package logging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// redactionSecrets are secrets built from every character a JSON, %q or
// slog writer escapes, alone and together. Each starts with K3y and ends
// with Z9q, which appear nowhere else: a redacted text that still holds
// either leaked some form of the secret.
var redactionSecrets = []string{
	`K3y"<Z9q`, `K3y\>Z9q`, `K3y&"Z9q`, `K3y"&<>\Z9q`, "K3y/\\'Z9q",
	"K3y\u2028\u2029Z9q", "K3y\b\f\n\r\tZ9q", "K3y\x00\x01\x1f\x7fZ9q", "K3y\"é€😀Z9q",
	" K3y with spaces Z9q ", "K3y\"\\/<>&\b\f\n\r\t\x00\u2028\u2029'`Z9q",
}

// redactionWriters are the ways our code writes a secret: each returns the
// text as it would reach a log, an error or the host, already passed
// through r where our code does that.
var redactionWriters = []struct {
	name  string
	write func(r *Redactor, secret string) string
}{
	{"slog JSON handler attribute", func(r *Redactor, s string) string {
		var b bytes.Buffer
		New(&b, r, slog.LevelInfo).Info("login", "password", s)
		return b.String()
	}},
	{"slog JSON handler message", func(r *Redactor, s string) string {
		var b bytes.Buffer
		New(&b, r, slog.LevelInfo).Info("password " + s)
		return b.String()
	}},
	{"slog JSON handler of an error quoting it with %q", func(r *Redactor, s string) string {
		var b bytes.Buffer
		New(&b, r, slog.LevelInfo).Error("failed", "error", fmt.Errorf("login %q refused", s).Error())
		return b.String()
	}},
	{"slog JSON handler of a json.Marshal document", func(r *Redactor, s string) string {
		doc, _ := json.Marshal(map[string]string{"password": s})
		var b bytes.Buffer
		New(&b, r, slog.LevelInfo).Info("body", "doc", string(doc))
		return b.String()
	}},
	{"slog text handler", func(r *Redactor, s string) string {
		var b bytes.Buffer
		slog.New(slog.NewTextHandler(r.Writer(&b), nil)).Info("login", "password", s)
		return b.String()
	}},
	{"json.Marshal", func(r *Redactor, s string) string {
		b, _ := json.Marshal(map[string]string{"password": s})
		return r.String(string(b))
	}},
	{"json.Encoder without HTML escaping", func(r *Redactor, s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(map[string]string{"password": s})
		return r.String(b.String())
	}},
	{"error text with %v", func(r *Redactor, s string) string { return r.String(fmt.Errorf("login %v refused", s).Error()) }},
	{"error text with %q", func(r *Redactor, s string) string { return r.String(fmt.Errorf("login %q refused", s).Error()) }},
	{"error text with %+q", func(r *Redactor, s string) string { return r.String(fmt.Errorf("login %+q refused", s).Error()) }},
	{"host response: captured line inside json.Marshal", func(r *Redactor, s string) string {
		capture := NewCapture(slog.DiscardHandler, nil)
		slog.New(capture).Info("login", "password", s)
		b, _ := json.Marshal(map[string]any{"Logs": capture.Lines(), "Error": fmt.Sprintf("login %q refused", s)})
		return r.String(string(b))
	}},
	{"three levels: JSON of JSON of %q", func(r *Redactor, s string) string {
		once, _ := json.Marshal(fmt.Sprintf("%q", s))
		twice, _ := json.Marshal(string(once))
		return r.String(string(twice))
	}},
}

func TestRedactorCoversEveryWriter(t *testing.T) {
	for _, secret := range redactionSecrets {
		r := NewRedactor(secret)
		for _, w := range redactionWriters {
			t.Run(fmt.Sprintf("%s/%q", w.name, secret), func(t *testing.T) {
				out := w.write(r, secret)
				if strings.Contains(out, "K3y") || strings.Contains(out, "Z9q") {
					t.Errorf("secret leaked: %q", out)
				}
				if !strings.Contains(out, "<redacted>") {
					t.Errorf("no <redacted> in %q", out)
				}
			})
		}
	}
}
