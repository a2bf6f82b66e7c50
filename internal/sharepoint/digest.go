package sharepoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// formDigest is the X-RequestDigest value POST requests carry, from
// POST <site>/_api/contextinfo, kept until shortly before it expires. The
// client fetches it itself, through send (see gosip.go for why).
type formDigest struct {
	mu      sync.Mutex
	value   string
	expires time.Time
	absent  bool // the site has no contextinfo endpoint: send POSTs without a digest
}

// digestEndpointAbsent reports whether contextinfo answered as an endpoint
// that does not exist, rather than as a failure worth reporting.
func digestEndpointAbsent(err error) bool {
	var spErr *Error
	if !errors.As(err, &spErr) {
		return false
	}
	switch spErr.StatusCode {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return true
	}
	return false
}

// contextInfo is SP.ContextWebInformation, verbose ({"d":{"GetContextWebInformation":{…}}})
// or JSON light (the object itself).
type contextInfo struct {
	FormDigestValue          string   `json:"FormDigestValue"`
	FormDigestTimeoutSeconds odataInt `json:"FormDigestTimeoutSeconds"`
	GetContextWebInformation *struct {
		FormDigestValue          string   `json:"FormDigestValue"`
		FormDigestTimeoutSeconds odataInt `json:"FormDigestTimeoutSeconds"`
	} `json:"GetContextWebInformation"`
}

// requestDigest returns a valid form digest, fetching one when needed.
func (c *Client) requestDigest(ctx context.Context) (string, error) {
	c.digest.mu.Lock()
	defer c.digest.mu.Unlock()
	if c.digest.absent {
		return noDigest, nil
	}
	if c.digest.value != "" && time.Now().Before(c.digest.expires) {
		return c.digest.value, nil
	}
	rep, err := c.send(ctx, call{method: "POST", url: c.siteURL + "/_api/contextinfo", accept: acceptVerbose})
	if digestEndpointAbsent(err) {
		c.log.Info("sharepoint: the site has no contextinfo endpoint; sending requests with the bearer token alone")
		c.digest.absent = true
		return noDigest, nil
	}
	if err != nil {
		return "", fmt.Errorf("sharepoint: form digest: %w", err)
	}
	var info contextInfo
	if err := decodeEntity(rep.body, &info); err != nil {
		return "", fmt.Errorf("sharepoint: form digest: response: %w", err)
	}
	value, timeout := info.FormDigestValue, int(info.FormDigestTimeoutSeconds)
	if web := info.GetContextWebInformation; web != nil {
		value, timeout = web.FormDigestValue, int(web.FormDigestTimeoutSeconds)
	}
	if value == "" {
		return "", fmt.Errorf("sharepoint: form digest: no FormDigestValue in the answer")
	}
	c.digest.value = value
	c.digest.expires = time.Now().Add(time.Duration(max(timeout-60, 30)) * time.Second)
	return value, nil
}

// needsDigest reports whether a call changes state (a POST other than
// contextinfo itself), so SharePoint expects an X-RequestDigest on it.
func needsDigest(req call) bool {
	return req.method == "POST" && !strings.HasSuffix(strings.ToLower(pathOf(req.url)), "/_api/contextinfo")
}
