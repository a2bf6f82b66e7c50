package spwebhook

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Limits on what a caller may send.
const (
	// MaxBodyBytes bounds a notification body. SharePoint's entries are a
	// few hundred bytes each and a batch holds one per subscription.
	MaxBodyBytes = 64 << 10
	// maxTokenBytes bounds the validation token echoed back.
	maxTokenBytes = 1024
)

func run(ctx context.Context, inv *function.Invocation) error {
	req, err := parseRequest(inv.Request)
	if err != nil {
		answer(inv, http.StatusBadRequest, "text/plain", err.Error())
		return nil
	}
	if token, ok := req.validationToken(); ok {
		return handshake(inv, token)
	}
	return notify(ctx, inv, req)
}

// handshake echoes the validation token and does nothing else: no storage,
// no SharePoint, no run record, so SharePoint's 5-second limit is met cold.
func handshake(inv *function.Invocation, token string) error {
	inv.SkipRecord()
	inv.Figure("validation", 1)
	if token == "" || len(token) > maxTokenBytes {
		answer(inv, http.StatusBadRequest, "text/plain", fmt.Sprintf("validationtoken must be 1 to %d bytes", maxTokenBytes))
		return nil
	}
	answer(inv, http.StatusOK, "text/plain", token)
	inv.Log.Info("sharepoint webhook: validation handshake answered")
	return nil
}

// notify checks a notification and queues one poll request for it.
func notify(ctx context.Context, inv *function.Invocation, req httpRequest) error {
	entries, err := parseNotification(req)
	if err != nil {
		inv.Figure("rejected", 1)
		inv.Log.Warn("sharepoint webhook: bad notification refused", "status", http.StatusBadRequest, "why", err.Error())
		answer(inv, http.StatusBadRequest, "text/plain", err.Error())
		return nil
	}
	inv.Figure("entries", len(entries))
	p := inv.Settings()
	account, err := clients.Storage(inv.Env)
	if err != nil {
		return fmt.Errorf("SharePointWebhook: %w", err)
	}
	state := StateRef{Account: account, Container: p.String(settings.SPStateContainer),
		SiteURL: p.String(settings.SPSiteUrl), ListTitle: p.String(settings.SPListTitle)}
	if why, err := checkEntries(ctx, entries, p.String(ClientStateSetting), state); err != nil || why != "" {
		if err != nil {
			return fmt.Errorf("SharePointWebhook: %w", err)
		}
		inv.Figure("rejected", 1)
		inv.Log.Warn("sharepoint webhook: notification refused, nothing queued", "status", http.StatusForbidden, "why", why)
		answer(inv, http.StatusForbidden, "text/plain", "notification refused: "+why)
		return nil
	}
	queue := p.String(settings.SPPollRequestQueue)
	if err := enqueueRequest(ctx, account, queue, PollRequest{V: 1, Requested: inv.Now().UTC(), Entries: len(entries)}); err != nil {
		return fmt.Errorf("SharePointWebhook: %w", err)
	}
	inv.Figure("queued", 1)
	inv.Log.Info("sharepoint webhook: notification accepted; change log read requested", "entries", len(entries), "queue", queue)
	answer(inv, http.StatusAccepted, "text/plain", "accepted")
	return nil
}

// entry is one value[] element of a notification. Only what is checked is
// read; clientState is never logged.
type entry struct {
	SubscriptionID string  `json:"subscriptionId"`
	ClientState    *string `json:"clientState"`
	Resource       string  `json:"resource"`
}

// parseNotification reads {"value":[…]} from the body.
func parseNotification(req httpRequest) ([]entry, error) {
	if !req.HasBody || strings.TrimSpace(req.Body) == "" {
		return nil, fmt.Errorf("no body: a notification is a JSON object with a value array (a validation request carries validationtoken)")
	}
	if len(req.Body) > MaxBodyBytes {
		return nil, fmt.Errorf("body of %d bytes is over the %d-byte limit", len(req.Body), MaxBodyBytes)
	}
	var doc struct {
		Value *[]json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(req.Body), &doc); err != nil {
		return nil, fmt.Errorf("body is not JSON: %v", err)
	}
	if doc.Value == nil || len(*doc.Value) == 0 {
		return nil, fmt.Errorf("body has no value array of notifications")
	}
	entries := make([]entry, len(*doc.Value))
	for i, raw := range *doc.Value {
		if err := json.Unmarshal(raw, &entries[i]); err != nil {
			return nil, fmt.Errorf("value[%d] is not a notification object", i)
		}
	}
	return entries, nil
}

// checkEntries returns why the notification is refused ("" when every
// entry carries our client state and names the watched list). The client
// state is compared in constant time; the list id comes from the webhook
// state blob, cached per process and read again once when it disagrees.
func checkEntries(ctx context.Context, entries []entry, clientState string, state StateRef) (string, error) {
	if clientState == "" {
		return "SPWebhookClientState is not set", nil
	}
	for i, e := range entries {
		if e.ClientState == nil || subtle.ConstantTimeCompare([]byte(*e.ClientState), []byte(clientState)) != 1 {
			return "value[" + strconv.Itoa(i) + "] does not carry SPWebhookClientState", nil
		}
	}
	listID, err := state.cachedListID(ctx, false)
	if err != nil {
		return "", err
	}
	for i, e := range entries {
		if !sameID(e.Resource, listID) {
			if listID, err = state.cachedListID(ctx, true); err != nil {
				return "", err
			}
			if !sameID(e.Resource, listID) {
				return "value[" + strconv.Itoa(i) + "] names a list other than the watched one", nil
			}
		}
	}
	return "", nil
}

// sameID compares two GUIDs without regard to case or braces; an empty id
// matches nothing.
func sameID(a, b string) bool {
	a, b = strings.Trim(a, "{} "), strings.Trim(b, "{} ")
	return a != "" && strings.EqualFold(a, b)
}

// answer sets the HTTP answer in Outputs.res.
func answer(inv *function.Invocation, status int, contentType, body string) {
	inv.Outputs[responseBinding] = map[string]any{
		"statusCode": strconv.Itoa(status),
		"headers":    map[string]string{"Content-Type": contentType},
		"body":       body,
	}
}
