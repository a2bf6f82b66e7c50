package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// failingQueueFunction fails every run with err.
func failingQueueFunction(err error) function.Declaration {
	return function.Declaration{
		Name:     "Failing",
		Trigger:  function.Queue("message", settings.SPCleanupQueue),
		Settings: []settings.Spec{settings.SPCleanupQueue},
		Run:      func(context.Context, *function.Invocation) error { return err },
	}
}

func postQueueMessage(t *testing.T, url, message string, dequeueCount int) answer {
	t.Helper()
	body := fmt.Sprintf(`{"Data":{"message":%q},"Metadata":{"DequeueCount":"%d","Id":"\"m-1\""}}`, message, dequeueCount)
	resp, err := http.Post(url+"/Failing", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, resp)
}

// TestLastTryIsParkedNotPoisoned: before its last try a failing message
// fails the invocation (the host retries it); on the try that reaches
// host.json's maxDequeueCount the handler parks it, with the redacted error,
// and answers 200, so the host never writes a poison message that expires.
func TestLastTryIsParkedNotPoisoned(t *testing.T) {
	server := azuritetest.Start(t)
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "host.json"), []byte(`{"extensions":{"queues":{"maxDequeueCount":3}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := settings.MapEnv{"AzureWebJobsStorage": server.ConnectionString, "FUNCTIONS_APP_ROOT_PATH": root,
		"SPCleanupQueue": "cleanups", "FTPPassword": "hunter2-secret"}
	srv, _, _ := serveStub(t, env, failingQueueFunction(errors.New("SharePoint said no to hunter2-secret")))
	message := `{"v":1,"itemId":42}`

	if a := postQueueMessage(t, srv.URL, message, 2); a.Status != http.StatusInternalServerError {
		t.Fatalf("try 2 of 3: status %d, want 500 (the host retries)", a.Status)
	}
	if a := postQueueMessage(t, srv.URL, message, 3); a.Status != http.StatusOK {
		t.Fatalf("try 3 of 3: status %d %s, want 200 (parked)", a.Status, a.Text)
	}
	ctx := context.Background()
	res, err := server.Account.Requeue(ctx, "cleanups", storage.RequeueOptions{DryRun: true})
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("parked: %+v, %v", res, err)
	}
	m := res.Messages[0]
	if m.From != "cleanups-parked" || m.Text != base64.StdEncoding.EncodeToString([]byte(message)) || m.DequeueCount != 3 {
		t.Errorf("parked message = %+v; want the original, base64 as the host stores it", m)
	}
	if !strings.Contains(m.Error, "SharePoint said no") || strings.Contains(m.Error, "hunter2-secret") {
		t.Errorf("parked error = %q; want the error, redacted", m.Error)
	}
	store := runrecord.NewStore(server.Account.Blob.ServiceClient().NewContainerClient(runrecord.Container))
	last, err := store.Latest(ctx, "Failing")
	if n, _ := last.Figure("parked"); err != nil || last.OK() || n != 1 {
		t.Errorf("run record = %+v, %v; want a failed run with figure parked 1", last, err)
	}
}

// TestThrottledMessageIsDeferredWithoutATry: a run that asks to come back
// later puts the same message back on its queue, hidden for that long, and
// the invocation succeeds; on an operator's run (no queue delivery) the
// run fails instead.
func TestThrottledMessageIsDeferredWithoutATry(t *testing.T) {
	server := azuritetest.Start(t)
	env := settings.MapEnv{"AzureWebJobsStorage": server.ConnectionString, "SPCleanupQueue": "cleanups"}
	decl := failingQueueFunction(function.Defer(time.Hour, errors.New("HTTP 429, Retry-After 3600")))
	srv, _, _ := serveStub(t, env, decl)
	ctx := context.Background()
	if err := server.Account.EnsureQueue(ctx, "cleanups"); err != nil {
		t.Fatal(err)
	}
	if a := postQueueMessage(t, srv.URL, `{"v":1,"itemId":7}`, 5); a.Status != http.StatusOK {
		t.Fatalf("deferred: status %d %s, want 200", a.Status, a.Text)
	}
	if depth, _ := server.Account.QueueDepth(ctx, "cleanups"); depth != 1 {
		t.Fatalf("queue depth %d, want the message back on it", depth)
	}
	peek, err := server.Account.Queue.NewQueueClient("cleanups").PeekMessages(ctx, nil)
	if err != nil || len(peek.Messages) != 0 {
		t.Fatalf("the deferred message is visible at once: %v", err)
	}
	if st, _ := server.Account.ParkedState(ctx, "cleanups"); st.Depth != 0 {
		t.Errorf("a deferred message was parked")
	}
	r := newRunner(env, &strings.Builder{}, &strings.Builder{})
	r.operatorRun = true
	req, err := runRequest(decl, `{"v":1}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.invoke(ctx, decl, "", req); err == nil {
		t.Error("an operator's run of a throttled message succeeded")
	}
	if depth, _ := server.Account.QueueDepth(ctx, "cleanups"); depth != 1 {
		t.Errorf("an operator's run put its message on the queue: depth %d", depth)
	}
}

func TestParseQueueConfig(t *testing.T) {
	tests := []struct {
		json    string
		want    queueConfig
		wantErr bool
	}{
		{`{}`, queueConfig{MaxDequeueCount: 5, Base64: true}, false},
		{`{"extensions":{"queues":{"maxDequeueCount":2,"messageEncoding":"none"}}}`, queueConfig{MaxDequeueCount: 2}, false},
		{`{"extensions":{"queues":{"maxDequeueCount":0}}}`, defaultQueueConfig, true},
		{`{`, defaultQueueConfig, true},
	}
	for _, tt := range tests {
		got, err := parseQueueConfig([]byte(tt.json))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseQueueConfig(%s) = %+v, %v; want %+v", tt.json, got, err, tt.want)
		}
	}
	got, err := parseQueueConfig(mustRead(t, "../host.json"))
	if err != nil || got.MaxDequeueCount != 5 || !got.Base64 {
		t.Errorf("the app's host.json reads as %+v, %v", got, err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParkedErrorIsBounded(t *testing.T) {
	long := strings.Repeat("é", maxParkedError)
	got := cut(long, maxParkedError)
	if len(got) > maxParkedError+len("…") || !strings.HasSuffix(got, "…") || strings.ContainsRune(got, '\uFFFD') {
		t.Fatalf("cut to %d bytes: %q…", len(got), got[:20])
	}
	if cut("short", maxParkedError) != "short" {
		t.Error("a short error was changed")
	}
}
