// Package sharepoint is tenantops' SharePoint Online REST client. It sends
// requests through gosip with an auth strategy backed by azidentity (a
// managed identity or an Entra app certificate), honours throttling
// (Retry-After on 429 and 503, RateLimit-Reset, backoff with jitter), and
// offers the few operations the SharePoint functions need: a list's current
// change token, its change log page by page, a list's id and a lookup
// column's target list, an item by id, items found through a lookup column,
// and recycling or deleting items in $batch requests. gosip.go says which of
// gosip's behaviours it works around, and why.
package sharepoint

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/koltyakov/gosip"
)

// Options configures a Client.
type Options struct {
	// SiteURL is the site's absolute URL, e.g. https://contoso.sharepoint.com/sites/ops.
	SiteURL string
	// Credential obtains bearer tokens (see package azcred); it is asked for
	// tokens of the site's origin.
	Credential azcore.TokenCredential
	// Transport carries the requests; default http.DefaultTransport.
	Transport http.RoundTripper
	// Log receives one line per retried request; default slog.Default().
	Log *slog.Logger
	// Retry tunes waiting on throttling and transient failures.
	Retry RetryOptions
	// RequestTimeout bounds one HTTP request; default 100 s.
	RequestTimeout time.Duration
}

// Client talks to one SharePoint site.
type Client struct {
	siteURL string
	sp      *gosip.SPClient
	log     *slog.Logger
	retry   RetryOptions
	digest  *formDigest // shared by WithLog copies
}

// New returns a Client for opts.SiteURL.
func New(opts Options) (*Client, error) {
	site, err := normalizeSiteURL(opts.SiteURL)
	if err != nil {
		return nil, err
	}
	if opts.Credential == nil {
		return nil, fmt.Errorf("sharepoint: no credential")
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 100 * time.Second
	}
	sp := newGosipClient(NewTokenAuth(site, opts.Credential), opts.Transport, opts.RequestTimeout)
	return &Client{siteURL: site, sp: sp, log: opts.Log, retry: opts.Retry.withDefaults(), digest: &formDigest{}}, nil
}

// WithLog returns a client that shares c's connection, token and digest
// but logs to log.
func (c *Client) WithLog(log *slog.Logger) *Client {
	copied := *c
	if log != nil {
		copied.log = log
	}
	return &copied
}

// SiteURL returns the site's normalized URL (no trailing slash).
func (c *Client) SiteURL() string { return c.siteURL }

// CheckSiteURL reports whether raw is a site URL New accepts: an absolute
// http(s) URL.
func CheckSiteURL(raw string) error {
	_, err := normalizeSiteURL(raw)
	return err
}

// normalizeSiteURL checks an absolute http(s) URL and drops a trailing slash.
func normalizeSiteURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("sharepoint: site URL %q is not an absolute https URL", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/"), nil
}

// Scope returns the token scope for a site: its origin plus /.default, e.g.
// https://contoso.sharepoint.com/.default.
func Scope(siteURL string) string {
	u, err := url.Parse(siteURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/.default"
}
