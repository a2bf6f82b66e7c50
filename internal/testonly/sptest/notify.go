package sptest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// notificationEntry is one value[] element SharePoint posts.
type notificationEntry struct {
	SubscriptionID string `json:"subscriptionId"`
	ClientState    string `json:"clientState,omitempty"`
	Expiration     string `json:"expirationDateTime"`
	Resource       string `json:"resource"`
	TenantID       string `json:"tenantId"`
	SiteURL        string `json:"siteUrl"`
	WebID          string `json:"webId"`
}

// Fixed ids the stand-in reports as its tenant and web.
const (
	standInTenantID = "00000000-0000-0000-0000-0000000000aa"
	standInWebID    = "dbc5a806-e4d4-46e5-951c-6344d70b62fa"
)

// changedLocked marks every live subscription of the list as having news
// and arranges one flush after NotifyDelay: changes within that window go
// out as one batch per notification URL. s.mu is held.
func (s *Server) changedLocked(listID string) {
	for _, sub := range s.webhooks.subs {
		if sub.ListID == listID && s.live(sub) {
			s.webhooks.pending[sub.ID] = true
		}
	}
	if len(s.webhooks.pending) == 0 || s.webhooks.flushing {
		return
	}
	s.webhooks.flushing = true
	time.AfterFunc(s.opts.NotifyDelay, s.flush)
}

// flush sends one notification per notification URL for the pending subscriptions.
func (s *Server) flush() {
	s.mu.Lock()
	batches := map[string][]notificationEntry{}
	for id := range s.webhooks.pending {
		sub, ok := s.webhooks.subs[id]
		if !ok || !s.live(sub) {
			continue
		}
		batches[sub.NotificationURL] = append(batches[sub.NotificationURL], notificationEntry{
			SubscriptionID: sub.ID, ClientState: sub.ClientState, Expiration: sub.Expiration.Format("2006-01-02T15:04:05.0000000Z"),
			Resource: sub.ListID, TenantID: standInTenantID, SiteURL: s.opts.SitePath, WebID: standInWebID})
	}
	s.webhooks.pending = map[string]bool{}
	s.webhooks.flushing = false
	s.mu.Unlock()
	for target, entries := range batches {
		body, _ := json.Marshal(map[string]any{"value": entries})
		go s.deliver(target, body, ids(entries), 1)
	}
}

func ids(entries []notificationEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.SubscriptionID
	}
	return out
}

// deliver posts one notification; an answer outside 200-299, or none within
// 5 seconds, is tried again RetryInterval later, 5 tries in all.
func (s *Server) deliver(target string, body []byte, subIDs []string, try int) {
	status := s.post(target, body)
	s.mu.Lock()
	s.webhooks.deliveries = append(s.webhooks.deliveries, Delivery{SubscriptionIDs: subIDs, Try: try, Status: status})
	closed := s.closed
	s.mu.Unlock()
	if (status >= 200 && status < 300) || try >= deliveryTries || closed {
		return
	}
	time.AfterFunc(s.opts.RetryInterval, func() { s.deliver(target, body, subIDs, try+1) })
}

// post sends the notification and returns the status (0: no answer in time).
func (s *Server) post(target string, body []byte) int {
	ctx, cancel := context.WithTimeout(context.Background(), validationLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.opts.WebhookClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

// AddForeignSubscription adds a subscription another app created on a list
// (no validation, as its creation happened elsewhere) and returns its id.
// The stand-in refuses this app every read, change or delete of it.
func (s *Server) AddForeignSubscription(listTitle, notificationURL, clientState string, expiration time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.site.listByTitle(listTitle)
	if l == nil {
		return ""
	}
	sub := &Subscription{ID: newGUID(), ListID: l.id, NotificationURL: notificationURL, ClientState: clientState,
		Expiration: expiration.UTC(), Foreign: true}
	s.webhooks.subs[sub.ID] = sub
	return sub.ID
}

// Subscriptions returns the live subscriptions of a list, foreign ones included.
func (s *Server) Subscriptions(listTitle string) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.site.listByTitle(listTitle)
	var out []Subscription
	for _, sub := range s.webhooks.subs {
		if l != nil && sub.ListID == l.id && s.live(sub) {
			out = append(out, *sub)
		}
	}
	return out
}

// SetSubscriptionExpiration moves a subscription's expiry, as time passing would.
func (s *Server) SetSubscriptionExpiration(id string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub, ok := s.webhooks.subs[id]; ok {
		sub.Expiration = at.UTC()
	}
}

// DropSubscription removes a subscription as SharePoint may (an admin, or
// probation after failed deliveries).
func (s *Server) DropSubscription(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.webhooks.subs, id)
}

// ForeignTouches counts the requests that read, changed or deleted a
// subscription another app created (listing them included).
func (s *Server) ForeignTouches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhooks.touched
}

// Deliveries returns every notification try so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.webhooks.deliveries...)
}
