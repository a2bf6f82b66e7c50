package spwebhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// validationLimit is how long SharePoint waits for the handshake's answer.
const validationLimit = 5 * time.Second

// check sends the validation handshake SharePoint sends to SPWebhookUrl and
// compares the answer, as SharePoint does when a subscription is created.
// Its rows name the URL's host, never the URL (it holds the key).
func check(ctx context.Context, inv *function.Invocation) []function.CheckResult {
	row := function.CheckResult{Dependency: "SharePointWebhook: validation handshake"}
	raw := inv.Settings().String(settings.SPWebhookUrl)
	if raw == "" {
		row.OK, row.Why = true, "SPWebhookUrl is not set: no webhook, the hourly poll alone finds deletes"
		return []function.CheckResult{row}
	}
	took, err := Handshake(ctx, http.DefaultClient, raw)
	if err != nil {
		row.Why = err.Error()
		return []function.CheckResult{row}
	}
	row.OK, row.Why = true, fmt.Sprintf("%s answered the validation handshake in %d ms (SharePoint allows %s)",
		HostOf(raw), took.Milliseconds(), validationLimit)
	return []function.CheckResult{row}
}

// Handshake POSTs an empty request with a fresh validationtoken to
// notificationURL, as SharePoint does, and checks for 200 with the token as
// the body within 5 seconds. Its errors name the URL's host, never the URL.
func Handshake(ctx context.Context, client *http.Client, notificationURL string) (time.Duration, error) {
	host := HostOf(notificationURL)
	u, err := url.Parse(notificationURL)
	if err != nil {
		return 0, fmt.Errorf("SPWebhookUrl is not a URL")
	}
	token := randomToken()
	q := u.Query()
	q.Set("validationtoken", token)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, validationLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), http.NoBody)
	if err != nil {
		return 0, fmt.Errorf("webhook at %s: %v", host, errors.Unwrap(err))
	}
	start := time.Now()
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error quotes the URL, key included
		}
		return 0, fmt.Errorf("webhook at %s did not answer the validation handshake within %s: %v", host, validationLimit, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	took := time.Since(start)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != token {
		return took, fmt.Errorf("webhook at %s answered the validation handshake with %d and not the token (check the function key in SPWebhookUrl and that SharePointWebhook is deployed)",
			host, resp.StatusCode)
	}
	return took, nil
}

// HostOf is a URL's host, the only part of SPWebhookUrl any output names.
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(not a URL)"
	}
	return u.Host
}

func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
