package sptest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Webhook rules, as SharePoint documents them.
const (
	maxSubscriptionLife = 180 * 24 * time.Hour // expirationDateTime at most 180 days ahead
	maxClientState      = 255                  // the documented "size limit" (Graph's number)
	validationLimit     = 5 * time.Second      // the validation handshake's answer
	deliveryTries       = 5                    // tries of one notification before it is dropped
)

// Subscription is a list webhook subscription as the stand-in keeps it.
type Subscription struct {
	ID              string
	ListID          string
	NotificationURL string
	ClientState     string
	Expiration      time.Time
	// Foreign marks a subscription another app created: SharePoint lets
	// only the creating app read, change or delete it.
	Foreign bool
}

// Delivery is one try to deliver a notification.
type Delivery struct {
	SubscriptionIDs []string
	Try             int // 1 to 5
	Status          int // the endpoint's answer; 0 when it did not answer in 5 s
}

// subscriptionsState is the webhook side of the site.
type subscriptionsState struct {
	subs       map[string]*Subscription // by lower-cased id
	pending    map[string]bool          // subscription ids with undelivered changes
	flushing   bool
	deliveries []Delivery
	touched    int // requests that touched a foreign subscription
}

// serveSubscriptions answers <list>/subscriptions and subscriptions('id').
// It takes the lock itself: creating one calls the notification URL, which
// must not hold up the rest of the site.
func (s *Server) serveSubscriptions(w http.ResponseWriter, r *http.Request, f format, l *list, rest []segment) {
	method := r.Method
	if override := r.Header.Get("X-HTTP-Method"); method == http.MethodPost && override != "" {
		method = strings.ToUpper(override)
	}
	switch {
	case len(rest) == 1 && !rest[0].hasArg && method == http.MethodPost:
		s.createSubscription(w, r, f, l)
	case len(rest) == 1 && !rest[0].hasArg && method == http.MethodGet:
		s.listSubscriptions(w, f, l)
	case len(rest) == 1 && rest[0].hasArg:
		id, _ := stringArg(rest[0].arg)
		s.serveSubscription(w, r, f, l, id, method)
	default:
		writeError(w, f, http.StatusNotFound, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The resource is not available in this stand-in.")
	}
}

// subscriptionBody is what create and update accept.
type subscriptionBody struct {
	Resource        string  `json:"resource"`
	NotificationURL *string `json:"notificationUrl"`
	Expiration      *string `json:"expirationDateTime"`
	ClientState     *string `json:"clientState"`
}

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request, f format, l *list) {
	var body subscriptionBody
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil || body.NotificationURL == nil || body.Expiration == nil {
		writeError(w, f, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The request body is not a subscription.")
		return
	}
	sub := &Subscription{ID: newGUID(), ListID: l.id, NotificationURL: *body.NotificationURL}
	if body.ClientState != nil {
		sub.ClientState = *body.ClientState
	}
	if msg := s.checkSubscription(body, sub); msg != "" {
		writeError(w, f, http.StatusBadRequest, "-1, System.ArgumentException", msg)
		return
	}
	if !s.validate(r.Context(), sub.NotificationURL) {
		writeError(w, f, http.StatusBadRequest, "-1, System.InvalidOperationException",
			fmt.Sprintf("Failed to validate the notification URL '%s'.", sub.NotificationURL))
		return
	}
	s.mu.Lock()
	s.webhooks.subs[strings.ToLower(sub.ID)] = sub
	e := s.subscriptionEntity(sub)
	s.mu.Unlock()
	writeStatusEntity(w, f, http.StatusCreated, e)
}

// checkSubscription applies SharePoint's rules to a create or update body
// and fills sub from it; it returns the error message, "" when it is good.
func (s *Server) checkSubscription(body subscriptionBody, sub *Subscription) string {
	if body.Expiration != nil {
		at, err := time.Parse(time.RFC3339, *body.Expiration)
		if err != nil || !at.After(s.now()) || at.After(s.now().Add(maxSubscriptionLife)) {
			return "The specified expiration date is invalid. Should be greater than today and within 6 months"
		}
		sub.Expiration = at.UTC()
	}
	if body.ClientState != nil {
		if len(*body.ClientState) > maxClientState {
			return "The clientState is longer than the maximum length."
		}
		sub.ClientState = *body.ClientState
	}
	if body.NotificationURL != nil {
		u, err := url.Parse(*body.NotificationURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !isLoopback(u)) {
			return "The notification URL must be an absolute https URL."
		}
		sub.NotificationURL = *body.NotificationURL
	}
	return ""
}

func isLoopback(u *url.URL) bool {
	h := u.Hostname()
	return u.Scheme == "http" && (h == "127.0.0.1" || h == "localhost" || h == "::1")
}

// validate sends the validation handshake: an empty POST with
// validationtoken added to the URL's query, answered within 5 seconds with
// 200 and the token as the body.
func (s *Server) validate(ctx context.Context, notificationURL string) bool {
	u, err := url.Parse(notificationURL)
	if err != nil {
		return false
	}
	token := newGUID()
	q := u.Query()
	q.Set("validationtoken", token)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), validationLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), http.NoBody)
	if err != nil {
		return false
	}
	resp, err := s.opts.WebhookClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode == http.StatusOK && strings.TrimSpace(string(got)) == token
}

func (s *Server) listSubscriptions(w http.ResponseWriter, f format, l *list) {
	s.mu.Lock()
	var items []entity
	for _, sub := range s.webhooks.subs {
		if sub.ListID == l.id && s.live(sub) {
			if sub.Foreign {
				s.webhooks.touched++
			}
			items = append(items, s.subscriptionEntity(sub))
		}
	}
	s.mu.Unlock()
	writeCollection(w, f, items, "")
}

// serveSubscription answers GET, PATCH (or POST with X-HTTP-Method MERGE,
// as gosip sends it) and DELETE of one subscription.
func (s *Server) serveSubscription(w http.ResponseWriter, r *http.Request, f format, l *list, id, method string) {
	s.mu.Lock()
	sub, ok := s.webhooks.subs[strings.ToLower(id)]
	if !ok || sub.ListID != l.id || !s.live(sub) {
		s.mu.Unlock()
		writeError(w, f, http.StatusNotFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "The subscription does not exist.")
		return
	}
	if sub.Foreign {
		s.webhooks.touched++
		s.mu.Unlock()
		writeError(w, f, http.StatusForbidden, "-2147024891, System.UnauthorizedAccessException", "Access denied.")
		return
	}
	s.mu.Unlock()
	switch method {
	case http.MethodGet:
		s.mu.Lock()
		e := s.subscriptionEntity(sub)
		s.mu.Unlock()
		writeStatusEntity(w, f, http.StatusOK, e)
	case http.MethodPatch, "MERGE":
		s.updateSubscription(w, r, f, sub)
	case http.MethodDelete:
		s.mu.Lock()
		delete(s.webhooks.subs, strings.ToLower(sub.ID))
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, f, http.StatusMethodNotAllowed, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The method is not allowed.")
	}
}

func (s *Server) updateSubscription(w http.ResponseWriter, r *http.Request, f format, sub *Subscription) {
	var body subscriptionBody
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeError(w, f, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The request body is not a subscription.")
		return
	}
	s.mu.Lock()
	updated := *sub
	msg := s.checkSubscription(body, &updated)
	if msg == "" {
		*sub = updated
	}
	s.mu.Unlock()
	if msg != "" {
		writeError(w, f, http.StatusBadRequest, "-1, System.ArgumentException", msg)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// live reports whether a subscription has not expired (SharePoint removes
// expired ones).
func (s *Server) live(sub *Subscription) bool { return s.now().Before(sub.Expiration) }

func (s *Server) subscriptionEntity(sub *Subscription) entity {
	return entity{metadata: map[string]any{"type": "Microsoft.SharePoint.Webhooks.Subscription"}, fields: map[string]any{
		"id": sub.ID, "clientState": sub.ClientState, "expirationDateTime": sub.Expiration.Format("2006-01-02T15:04:05.0000000Z"),
		"notificationUrl": sub.NotificationURL, "resource": sub.ListID, "resourceData": nil,
	}}
}

// writeStatusEntity is writeEntity with another status than 200.
func writeStatusEntity(w http.ResponseWriter, f format, status int, e entity) {
	body := e.render(f)
	if f == verbose {
		writeJSON(w, f, status, map[string]any{"d": body})
		return
	}
	writeJSON(w, f, status, body)
}
