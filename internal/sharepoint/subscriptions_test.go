package sharepoint_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koltyakov/gosip"
	"github.com/koltyakov/gosip/api"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

// endpoint is a notification endpoint that answers the handshake (unless
// told not to) and counts notifications, failing the first failFirst.
type endpoint struct {
	mu        sync.Mutex
	echo      bool
	failFirst int
	bodies    []string
	srv       *httptest.Server
}

func newEndpoint(t *testing.T, echo bool, failFirst int) *endpoint {
	e := &endpoint{echo: echo, failFirst: failFirst}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token := r.URL.Query().Get("validationtoken"); token != "" {
			if e.echo {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = io.WriteString(w, token)
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		defer e.mu.Unlock()
		e.bodies = append(e.bodies, string(body))
		if len(e.bodies) <= e.failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *endpoint) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.bodies)
}

// TestGosipDrivesTheSubscriptionEndpoints runs gosip's own subscription
// helpers against the stand-in: Add (with the validation handshake), Get
// by id, SetExpiration (POST with X-HTTP-Method: MERGE) and Delete.
func TestGosipDrivesTheSubscriptionEndpoints(t *testing.T) {
	site, _ := newSiteWith(t, sptest.Options{})
	cred, err := azcred.New(azcred.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sp := api.NewSP(&gosip.SPClient{AuthCnfg: sharepoint.NewTokenAuth(site.SiteURL(), cred)})
	site.AddList("Projects")
	good := newEndpoint(t, true, 0)
	subs := sp.Web().Lists().GetByTitle("Projects").Subscriptions()
	info, err := subs.Add(good.srv.URL+"/api/hook?code=k", time.Now().Add(90*24*time.Hour), "state")
	if err != nil || info.ID == "" {
		t.Fatalf("Add = %+v, %v", info, err)
	}
	later := time.Now().Add(170 * 24 * time.Hour).UTC().Truncate(time.Second)
	got, err := subs.GetByID(info.ID).SetExpiration(later)
	if err != nil || !got.ExpirationDateTime.Equal(later) {
		t.Fatalf("SetExpiration = %+v, %v; want %s", got, err, later)
	}
	if _, err := subs.GetByID(info.ID).SetExpiration(time.Now().Add(190 * 24 * time.Hour)); err == nil {
		t.Error("an expiry 190 days ahead was accepted")
	}
	if _, err := subs.Add(newEndpoint(t, false, 0).srv.URL, time.Now().Add(time.Hour), ""); err == nil ||
		!strings.Contains(err.Error(), "Failed to validate the notification URL") {
		t.Errorf("Add with an endpoint that does not echo = %v", err)
	}
	if err := subs.GetByID(info.ID).Delete(); err != nil {
		t.Fatal(err)
	}
	if _, err := subs.GetByID(info.ID).Get(); err == nil {
		t.Error("a deleted subscription was still read")
	}
}

func TestSubscriptionRules(t *testing.T) {
	site, client := newSiteWith(t, sptest.Options{})
	ctx := context.Background()
	listID := site.AddList("Projects")
	hook := newEndpoint(t, true, 0).srv.URL
	tests := []struct {
		name        string
		url         string
		expires     time.Duration
		clientState string
		wantErr     string
	}{
		{"good", hook, 179 * 24 * time.Hour, strings.Repeat("s", 255), ""},
		{"past", hook, -time.Hour, "", "expiration date is invalid"},
		{"over 180 days", hook, 180*24*time.Hour + time.Hour, "", "expiration date is invalid"},
		{"client state too long", hook, time.Hour, strings.Repeat("s", 256), "clientState"},
		{"no echo", newEndpoint(t, false, 0).srv.URL, time.Hour, "", "Failed to validate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := client.CreateSubscription(ctx, listID, tt.url, time.Now().Add(tt.expires), tt.clientState)
			if tt.wantErr == "" {
				if err != nil || sub.ID == "" || !strings.EqualFold(sub.Resource, listID) {
					t.Fatalf("Create = %+v, %v", sub, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Create err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestSubscriptionGetRenewDeleteAndForeign(t *testing.T) {
	site, client := newSiteWith(t, sptest.Options{})
	ctx := context.Background()
	listID := site.AddList("Projects")
	hook := newEndpoint(t, true, 0).srv.URL
	sub, err := client.CreateSubscription(ctx, listID, hook, time.Now().Add(24*time.Hour), "state")
	if err != nil {
		t.Fatal(err)
	}
	renewed := time.Now().Add(100 * 24 * time.Hour).UTC().Truncate(time.Second)
	if err := client.RenewSubscription(ctx, listID, sub.ID, renewed, ""); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetSubscription(ctx, listID, sub.ID)
	if err != nil || !got.ExpirationDateTime.Equal(renewed) {
		t.Fatalf("Get after renew = %+v, %v", got, err)
	}
	foreign := site.AddForeignSubscription("Projects", "https://elsewhere.example/hook", "theirs", time.Now().Add(time.Hour))
	if _, err := client.GetSubscription(ctx, listID, foreign); err == nil {
		t.Error("another app's subscription was readable")
	}
	if site.ForeignTouches() != 1 {
		t.Errorf("ForeignTouches = %d, want 1", site.ForeignTouches())
	}
	if err := client.DeleteSubscription(ctx, listID, sub.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetSubscription(ctx, listID, sub.ID); !sharepoint.IsNotFound(err) {
		t.Errorf("Get after delete = %v, want 404", err)
	}
	site.SetSubscriptionExpiration(foreign, time.Now().Add(-time.Minute))
	if n := len(site.Subscriptions("Projects")); n != 0 {
		t.Errorf("%d subscriptions left, want none (ours deleted, theirs expired)", n)
	}
}

// TestNotificationsAreBatchedAndRetried: changes within NotifyDelay go out
// as one notification; a failing endpoint is tried 5 times, RetryInterval apart.
func TestNotificationsAreBatchedAndRetried(t *testing.T) {
	site, client := newSiteWith(t, sptest.Options{NotifyDelay: 100 * time.Millisecond, RetryInterval: 20 * time.Millisecond})
	ctx := context.Background()
	listID := site.AddList("Projects")
	failing := newEndpoint(t, true, 1000)
	if _, err := client.CreateSubscription(ctx, listID, failing.srv.URL, time.Now().Add(time.Hour), "state"); err != nil {
		t.Fatal(err)
	}
	if _, err := site.AddItems("Projects", 3, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for failing.count() < 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // a sixth try would come by now
	if failing.count() != 5 {
		t.Fatalf("%d tries, want 5 (one batch for three changes, tried 5 times)", failing.count())
	}
	tries := site.Deliveries()
	if tries[len(tries)-1].Try != 5 || !strings.Contains(failing.bodies[0], `"clientState":"state"`) || !strings.Contains(failing.bodies[0], listID) {
		t.Errorf("deliveries %+v, body %s", tries, failing.bodies[0])
	}
}
