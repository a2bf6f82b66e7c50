package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/testonly/logbuf"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// These tests drive the serving code in-process with stand-in declarations,
// for the paths the real functions cannot take without their servers.

func stubLookup(decls ...function.Declaration) lookupFunc {
	return func(name string) (function.Declaration, bool) {
		for _, d := range decls {
			if d.Name == name {
				return d, true
			}
		}
		return function.Declaration{}, false
	}
}

func serveStub(t *testing.T, env settings.MapEnv, decls ...function.Declaration) (*httptest.Server, *logbuf.Buffer, *logbuf.Buffer) {
	t.Helper()
	stdout, stderr := &logbuf.Buffer{}, &logbuf.Buffer{}
	srv := httptest.NewServer(newMux(newRunner(env, stdout, stderr), stubLookup(decls...)))
	t.Cleanup(srv.Close)
	return srv, stdout, stderr
}

func TestSuccessAnswersOutputsAndLogs(t *testing.T) {
	decl := function.Declaration{
		Name:    "Echo",
		Trigger: function.Queue("message", settings.SPCleanupQueue),
		Run: func(ctx context.Context, inv *function.Invocation) error {
			msg, _ := inv.Request.DataString("message")
			inv.Log.Info("echoing", "message", msg)
			inv.Outputs["out"] = map[string]string{"echo": msg}
			return nil
		},
	}
	srv, _, _ := serveStub(t, settings.MapEnv{}, decl)
	resp, err := http.Post(srv.URL+"/Echo", "application/json", strings.NewReader(`{"Data":{"message":"\"hi\""},"Metadata":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	a := readAnswer(t, resp)
	if a.Status != http.StatusOK || a.ContentType != "application/json" {
		t.Fatalf("status %d %q: %s", a.Status, a.ContentType, a.Text)
	}
	var body struct {
		Outputs     map[string]map[string]string
		Logs        []string
		ReturnValue any
	}
	if err := json.Unmarshal([]byte(a.Text), &body); err != nil {
		t.Fatal(err)
	}
	if body.Outputs["out"]["echo"] != "hi" {
		t.Errorf("Outputs = %v, want out.echo = hi", body.Outputs)
	}
	if !containsLine(body.Logs, "echoing message=hi") {
		t.Errorf("Logs = %q, want the function's line", body.Logs)
	}
	if _, ok := a.Body["ReturnValue"]; !ok || strings.Contains(a.Text, `"Error"`) {
		t.Errorf("want ReturnValue and no Error: %s", a.Text)
	}
}

func TestPanicBecomesA500(t *testing.T) {
	decl := function.Declaration{
		Name:    "Boom",
		Trigger: function.Timer("timer", settings.FTPSchedule),
		Run:     func(context.Context, *function.Invocation) error { panic("index out of range") },
	}
	srv, _, stderr := serveStub(t, settings.MapEnv{}, decl)
	resp, err := http.Post(srv.URL+"/Boom", "application/json", strings.NewReader(`{"Data":{},"Metadata":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	a := readAnswer(t, resp)
	if a.Status != http.StatusInternalServerError || !strings.Contains(a.Text, "panic: index out of range") {
		t.Fatalf("status %d: %s", a.Status, a.Text)
	}
	if !strings.Contains(stderr.String(), "panic: index out of range") {
		t.Errorf("stderr lacks the panic: %s", stderr)
	}
	if resp, err := http.Get(srv.URL + "/"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("server not serving after a panic: %v", err)
	}
}

// TestSecretsNeverLeave runs a failing invocation that tries every way a
// secret can leave the process (log attributes, JSON-escaped forms, the
// error text, a queue message) and scans stdout, stderr and the response.
func TestSecretsNeverLeave(t *testing.T) {
	password := `p@ss"word\with-escapes`
	pem := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
	accountKey := "c2VjcmV0LWFjY291bnQta2V5LXRoYXQtaXMtbG9uZw=="
	env := settings.MapEnv{
		settings.MIMSyncCredPassword.Name: password,
		settings.SPClientCertificate.Name: pem,
		settings.Storage.Name:             "DefaultEndpointsProtocol=https;AccountName=ops;AccountKey=" + accountKey + ";EndpointSuffix=core.windows.net",
	}
	decl := function.Declaration{
		Name:    "Leaky",
		Trigger: function.Queue("message", settings.SPCleanupQueue),
		Run: func(ctx context.Context, inv *function.Invocation) error {
			inv.Log.Info("connecting", "password", password, "cert", pem, "key", accountKey)
			inv.Log.Warn("as JSON", "body", `{"password":"`+jsonEscaped(password)+`"}`)
			inv.Outputs["out"] = map[string]string{"password": password, "key": accountKey}
			return errors.New("login failed for password " + password + " and key " + accountKey)
		},
	}
	srv, stdout, stderr := serveStub(t, env, decl)
	msg, _ := json.Marshal(map[string]string{"note": "the password is " + password})
	quoted, _ := json.Marshal(string(msg))
	body := `{"Data":{"message":` + string(quoted) + `},"Metadata":{"DequeueCount":"1"}}`
	resp, err := http.Post(srv.URL+"/Leaky", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	a := readAnswer(t, resp)
	if a.Status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", a.Status)
	}
	everything := stdout.String() + stderr.String() + a.Text
	if !strings.Contains(everything, "<redacted>") {
		t.Fatalf("nothing was redacted; the test did not exercise the redactor:\n%s", everything)
	}
	for _, secret := range []string{password, jsonEscaped(password), "p@ss", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", accountKey} {
		if strings.Contains(everything, secret) {
			t.Errorf("secret %q leaked:\n%s", secret, everything)
		}
	}
}

func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func containsLine(lines []string, part string) bool {
	for _, l := range lines {
		if strings.Contains(l, part) {
			return true
		}
	}
	return false
}

// TestSecretsOfEveryJSONSpecialCharacterNeverLeave: secrets made of the
// characters the writers escape differently (slog leaves < > & alone,
// encoding/json does not; %q writes \x00 where JSON writes \u0000) stay out
// of stdout, stderr and the host's answer, logged, quoted in the error and
// in an output binding.
func TestSecretsOfEveryJSONSpecialCharacterNeverLeave(t *testing.T) {
	for _, secret := range []string{`K3y"<Z9q`, `K3y\&>Z9q`, "K3y\"\\<>&\n\t\x00\u2028Z9q", " K3y space Z9q "} {
		env := settings.MapEnv{settings.FTPPassword.Name: secret}
		decl := function.Declaration{
			Name:    "Leaky",
			Trigger: function.Timer("timer", settings.FTPSchedule),
			Run: func(ctx context.Context, inv *function.Invocation) error {
				inv.Log.Info("login", "password", secret, "quoted", fmt.Sprintf("%q", secret))
				inv.Outputs["out"] = map[string]string{"password": secret}
				return fmt.Errorf("login %q refused", secret)
			},
		}
		srv, stdout, stderr := serveStub(t, env, decl)
		resp, err := http.Post(srv.URL+"/Leaky", "application/json", strings.NewReader(`{"Data":{"timer":{}},"Metadata":{}}`))
		if err != nil {
			t.Fatal(err)
		}
		a := readAnswer(t, resp)
		everything := stdout.String() + stderr.String() + a.Text
		if strings.Contains(everything, "K3y") || strings.Contains(everything, "Z9q") || !strings.Contains(everything, "<redacted>") {
			t.Errorf("secret %q leaked or was never written:\n%s", secret, everything)
		}
	}
}
