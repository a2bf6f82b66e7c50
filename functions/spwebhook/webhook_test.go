package spwebhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/spwebhook"
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/httptrigger"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

const clientState = "a-client-state-of-more-than-32-characters-0123456789"

var seq atomic.Int64

// call runs SharePointWebhook on one request and returns the answer and logs.
func call(t *testing.T, env settings.MapEnv, req map[string]any) (status, body, contentType, logs string, inv *function.Invocation) {
	t.Helper()
	raw, _ := json.Marshal(req)
	var buf bytes.Buffer
	inv = &function.Invocation{Function: "SharePointWebhook", Env: env, Log: slog.New(slog.NewJSONHandler(&buf, nil)),
		Outputs: map[string]any{}, Request: invoke.Request{Data: map[string]json.RawMessage{"req": raw}}}
	if err := spwebhook.Declaration.Run(context.Background(), inv); err != nil {
		t.Fatalf("run: %v", err)
	}
	res := inv.Outputs["res"].(map[string]any)
	return res["statusCode"].(string), res["body"].(string), res["headers"].(map[string]string)["Content-Type"], buf.String(), inv
}

func TestValidationHandshakeTouchesNothing(t *testing.T) {
	// Storage points at a closed port: any storage call would fail the run.
	env := settings.MapEnv{"AzureWebJobsStorage": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1",
		"SPSiteUrl": "https://contoso.sharepoint.com/sites/ops", "SPListTitle": "Projects", "SPWebhookClientState": clientState}
	tests := []struct {
		name string
		req  map[string]any
	}{
		{"lower case", map[string]any{"Method": "POST", "Url": "https://app/api/sharepoint/webhook?code=KEY&validationtoken=tok1", "Query": map[string]string{"code": "KEY", "validationtoken": "tok1"}}},
		{"camel case", map[string]any{"Method": "POST", "Query": map[string]string{"code": "KEY", "validationToken": "tok1"}}},
		{"query as a JSON string, token from Url", map[string]any{"Method": "POST", "Query": "{}", "Url": "https://app/api/sharepoint/webhook?code=KEY&VALIDATIONTOKEN=tok1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, ct, logs, inv := call(t, env, tt.req)
			if status != "200" || body != "tok1" || ct != "text/plain" || !inv.RecordSkipped() {
				t.Fatalf("answer %s %q %s, record skipped %v", status, body, ct, inv.RecordSkipped())
			}
			if strings.Contains(logs, "KEY") {
				t.Fatalf("the key reached the log: %s", logs)
			}
		})
	}
}

// fixture: Azurite, the SharePoint stand-in, the webhook's settings.
type fixture struct {
	env     settings.MapEnv
	site    *sptest.Server
	azurite *azuritetest.Server
	ref     spwebhook.StateRef
	client  *sharepoint.Client
	queue   string
	listID  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	az := azuritetest.Start(t)
	id, err := identitytest.Start(identitytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = id.Close() })
	t.Setenv("IDENTITY_ENDPOINT", id.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", id.IdentityHeader)
	site, err := sptest.Start(sptest.Options{VerifyToken: id.Verify})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	n := seq.Add(1)
	f := &fixture{site: site, azurite: az, queue: fmt.Sprintf("sp-poll-%d", n), listID: site.AddList("Projects")}
	f.env = settings.MapEnv{"AzureWebJobsStorage": az.ConnectionString, "SPSiteUrl": site.SiteURL(), "SPListTitle": "Projects",
		"SPStateContainer": fmt.Sprintf("sp-state-%d", n), "SPWebhookClientState": clientState, "SPPollRequestQueue": f.queue}
	if err := az.Account.EnsureContainer(context.Background(), f.env["SPStateContainer"]); err != nil {
		t.Fatal(err)
	}
	f.ref = spwebhook.StateRef{Account: az.Account, Container: f.env["SPStateContainer"], SiteURL: site.SiteURL(), ListTitle: "Projects"}
	cred, err := azcred.New(azcred.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.client, err = sharepoint.New(sharepoint.Options{SiteURL: site.SiteURL(), Credential: cred}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) queued(t *testing.T) int {
	t.Helper()
	n, err := f.azurite.Account.QueueDepth(context.Background(), f.queue)
	if err != nil {
		return 0 // no queue yet: nothing queued
	}
	return n
}

func notification(entries ...map[string]any) map[string]any {
	body, _ := json.Marshal(map[string]any{"value": entries})
	return map[string]any{"Method": "POST", "Query": map[string]string{"code": "KEY"}, "Body": string(body)}
}

func entry(state, resource string) map[string]any {
	return map[string]any{"subscriptionId": "91779246-afe9-4525-b122-6c199ae89211", "clientState": state,
		"expirationDateTime": "2027-04-30T17:27:00.0000000Z", "resource": resource, "tenantId": "t", "siteUrl": "/sites/ops", "webId": "w"}
}

func TestNotificationChecks(t *testing.T) {
	f := newFixture(t)
	if _, err := f.ref.Write(context.Background(), spwebhook.State{ListID: f.listID}, ""); err != nil {
		t.Fatal(err)
	}
	other := "3b542696-5863-4ff7-bb90-8224e9e8adb9"
	tests := []struct {
		name       string
		req        map[string]any
		wantStatus string
		wantQueued int
	}{
		{"three good entries queue one request", notification(entry(clientState, f.listID), entry(clientState, strings.ToUpper(f.listID)), entry(clientState, "{"+f.listID+"}")), "202", 1},
		{"wrong client state", notification(entry(clientState+"x", f.listID)), "403", 0},
		{"one entry of two with a wrong client state", notification(entry(clientState, f.listID), entry("nope", f.listID)), "403", 0},
		{"no client state", notification(map[string]any{"subscriptionId": "s", "resource": f.listID}), "403", 0},
		{"wrong list", notification(entry(clientState, other)), "403", 0},
		{"malformed JSON", map[string]any{"Method": "POST", "Body": "{\"value\":["}, "400", 0},
		{"no value", map[string]any{"Method": "POST", "Body": "{\"values\":[]}"}, "400", 0},
		{"no body", map[string]any{"Method": "POST"}, "400", 0},
		{"over the size limit", map[string]any{"Method": "POST", "Body": `{"value":[],"pad":"` + strings.Repeat("x", spwebhook.MaxBodyBytes) + `"}`}, "400", 0},
	}
	total := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _, logs, _ := call(t, f.env, tt.req)
			total += tt.wantQueued
			if status != tt.wantStatus || f.queued(t) != total {
				t.Fatalf("status %s (%s), %d queued; want %s, %d", status, body, f.queued(t), tt.wantStatus, total)
			}
			if strings.Contains(logs, clientState) || strings.Contains(logs, "KEY") {
				t.Fatalf("a secret reached the log: %s", logs)
			}
		})
	}
}

func TestNoStateMeansNoSubscriptionOfOurs(t *testing.T) {
	f := newFixture(t)
	if status, _, _, _, _ := call(t, f.env, notification(entry(clientState, f.listID))); status != "403" || f.queued(t) != 0 {
		t.Fatalf("status %s, %d queued", status, f.queued(t))
	}
}

// upkeepOpts runs the upkeep against an endpoint that serves SharePointWebhook.
func (f *fixture) upkeepOpts(t *testing.T, now func() time.Time) spwebhook.UpkeepOptions {
	srv := httptest.NewServer(httptrigger.Handler(spwebhook.Declaration, f.env, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	return spwebhook.UpkeepOptions{Client: f.client, State: f.ref, NotificationURL: srv.URL + "/api/sharepoint/webhook?code=KEY",
		ClientState: clientState, Now: now, Log: slog.New(slog.DiscardHandler)}
}

func TestUpkeep(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	foreign := f.site.AddForeignSubscription("Projects", "https://elsewhere.example/hook", "theirs", time.Now().Add(100*24*time.Hour))
	opts := f.upkeepOpts(t, time.Now)
	steps := []struct {
		name       string
		before     func(st spwebhook.State)
		wantAction string
	}{
		{"first run creates", func(spwebhook.State) {}, "created"},
		{"a fresh one is kept", func(spwebhook.State) {}, "kept"},
		{"an expiring one is renewed", func(st spwebhook.State) {
			f.site.SetSubscriptionExpiration(st.SubscriptionID, time.Now().Add(10*24*time.Hour))
		}, "renewed"},
		{"a deleted one is re-created", func(st spwebhook.State) { f.site.DropSubscription(st.SubscriptionID) }, "recreated"},
		{"a changed URL (a rotated key) is moved", func(spwebhook.State) { opts.NotificationURL += "-rotated" }, "renewed"},
	}
	for _, step := range steps {
		st, _, _ := f.ref.Read(ctx)
		step.before(st)
		res, err := spwebhook.Upkeep(ctx, opts)
		if err != nil || res.Action != step.wantAction {
			t.Fatalf("%s: %+v, %v", step.name, res, err)
		}
		if left := time.Until(res.Expiration); left > sharepoint.MaxSubscriptionLife || left < 170*24*time.Hour {
			t.Fatalf("%s: expiry %s ahead", step.name, left)
		}
		ours := 0
		for _, s := range f.site.Subscriptions("Projects") {
			if !s.Foreign {
				ours++
			}
		}
		if ours != 1 {
			t.Fatalf("%s: %d subscriptions of ours, want 1", step.name, ours)
		}
	}
	for _, s := range f.site.Subscriptions("Projects") {
		if !s.Foreign && s.NotificationURL != opts.NotificationURL {
			t.Fatalf("our subscription notifies %s, want the new URL", s.NotificationURL)
		}
	}
	if f.site.ForeignTouches() != 0 || len(f.site.Subscriptions("Projects")) != 2 {
		t.Fatalf("the foreign subscription %s was touched (%d) or removed", foreign, f.site.ForeignTouches())
	}
}

func TestUpkeepValidationFailureNamesTheHostOnly(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(nil) // answers 404 to the handshake
	t.Cleanup(srv.Close)
	opts := f.upkeepOpts(t, time.Now)
	opts.NotificationURL = srv.URL + "/api/sharepoint/webhook?code=SECRETKEY"
	_, err := spwebhook.Upkeep(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), spwebhook.HostOf(srv.URL)) || strings.Contains(err.Error(), "SECRETKEY") {
		t.Fatalf("err = %v", err)
	}
	if st, _, _ := f.ref.Read(context.Background()); st.SubscriptionID != "" || len(f.site.Subscriptions("Projects")) != 0 {
		t.Fatalf("a subscription was kept: %+v", st)
	}
}

func TestHandshakeCheck(t *testing.T) {
	f := newFixture(t)
	opts := f.upkeepOpts(t, time.Now)
	if _, err := spwebhook.Handshake(context.Background(), nil, opts.NotificationURL); err != nil {
		t.Fatal(err)
	}
	bad := httptest.NewServer(nil)
	t.Cleanup(bad.Close)
	_, err := spwebhook.Handshake(context.Background(), nil, bad.URL+"/x?code=SECRETKEY")
	if err == nil || strings.Contains(err.Error(), "SECRETKEY") {
		t.Fatalf("err = %v", err)
	}
}

// TestCheckRowNamesTheHostNotTheKey: handler check's row for the webhook
// proves the handshake end to end and never shows the key.
func TestCheckRowNamesTheHostNotTheKey(t *testing.T) {
	f := newFixture(t)
	good := f.upkeepOpts(t, time.Now).NotificationURL
	bad := httptest.NewServer(nil)
	t.Cleanup(bad.Close)
	tests := []struct {
		name, url string
		wantOK    bool
	}{
		{"answers the handshake", good, true},
		{"does not", bad.URL + "/api/sharepoint/webhook?code=KEY", false},
		{"not set", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := settings.MapEnv{}
			for k, v := range f.env {
				env[k] = v
			}
			if tt.url != "" {
				env["SPWebhookUrl"] = tt.url
			}
			rows := spwebhook.Declaration.Check(context.Background(), &function.Invocation{Env: env, Log: slog.New(slog.DiscardHandler)})
			if len(rows) != 1 || rows[0].OK != tt.wantOK || strings.Contains(rows[0].Why, "KEY") ||
				(tt.url != "" && !strings.Contains(rows[0].Why, spwebhook.HostOf(tt.url))) {
				t.Fatalf("rows %+v", rows)
			}
		})
	}
}

// TestRetireDeletesOnlyOurs: with SPWebhookUrl emptied, our subscription is
// deleted and another app's is left alone.
func TestRetireDeletesOnlyOurs(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.site.AddForeignSubscription("Projects", "https://elsewhere.example/hook", "theirs", time.Now().Add(time.Hour))
	if deleted, err := spwebhook.Retire(ctx, f.client, f.ref, slog.New(slog.DiscardHandler)); err != nil || deleted {
		t.Fatalf("nothing to retire: %v, %v", deleted, err)
	}
	if _, err := spwebhook.Upkeep(ctx, f.upkeepOpts(t, time.Now)); err != nil {
		t.Fatal(err)
	}
	if deleted, err := spwebhook.Retire(ctx, f.client, f.ref, slog.New(slog.DiscardHandler)); err != nil || !deleted {
		t.Fatalf("retire: %v, %v", deleted, err)
	}
	subs := f.site.Subscriptions("Projects")
	if len(subs) != 1 || !subs[0].Foreign || f.site.ForeignTouches() != 0 {
		t.Fatalf("left %+v, foreign touched %d times", subs, f.site.ForeignTouches())
	}
	if st, _, _ := f.ref.Read(ctx); st.SubscriptionID != "" || st.ListID == "" {
		t.Fatalf("state %+v", st)
	}
}
