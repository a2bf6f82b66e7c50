// Package graph reads Microsoft Graph delta queries for users and groups:
// the first request of a round (DeltaURL, LatestURL) and one page at a
// time after it (Page), following @odata.nextLink and @odata.deltaLink
// exactly as Graph returned them. It is a small net/http client, not the
// Graph SDK: a bearer token from an azcore credential (cached until near
// expiry), Retry-After honoured however long (within the
// caller's deadline) on 429, 500, 502, 503 and 504, exponential backoff
// with jitter without it, one retry with a new token after a 401, and
// pages decoded as a stream. Links that point at another host than the
// configured endpoint are refused, so the token never leaves for it.
package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/pause"
)

// DefaultEndpoint is the global Graph service; national clouds differ.
const DefaultEndpoint = "https://graph.microsoft.com"

// defaultMaxRetries is how often one page is retried on throttling,
// unavailability and transport errors.
const defaultMaxRetries = 8

// Errors a caller matches with errors.Is.
var (
	// ErrResync means the link is no longer valid (410 Gone, or a 400
	// whose code or message names the sync state or the delta link's age,
	// such as syncStateNotFound): drop the state and start a full round.
	ErrResync = errors.New("graph: delta state is no longer valid; a full round is needed")
	// ErrOutOfBudget means a retry wait would pass the context deadline.
	ErrOutOfBudget = errors.New("graph: out of run budget")
	// ErrUnauthorized means Graph answered 401 (after one retry with a new
	// token) or 403.
	ErrUnauthorized = errors.New("graph: unauthorized")
	// ErrUnselectable means Graph cannot track a selected property (501,
	// or a 400 saying $select is not supported for it); see
	// UnselectableProperties.
	ErrUnselectable = errors.New("graph: a selected property cannot be tracked by delta")
)

// Options configures a Client. Zero values work where a default is named.
type Options struct {
	Endpoint   string                 // "https://graph.microsoft.com" when empty; national clouds differ
	Credential azcore.TokenCredential // token for scope Endpoint + "/.default"
	HTTPClient *http.Client           // nil: a client with sane timeouts
	Log        *slog.Logger           // nil: discard
	MaxRetries int                    // per request, on 429/5xx and transport errors; 0: a default (8)
	// BackoffBase is the first wait of a retry without Retry-After, doubled
	// per attempt up to a minute; 0: 1 s.
	BackoffBase time.Duration
	// MaxPageBytes bounds one page's body; 0: 64 MiB. A page of 200
	// objects or 500 member links is far smaller.
	MaxPageBytes int64
}

// Client reads delta pages from one Graph endpoint.
type Client struct {
	endpoint string // scheme://host, no trailing slash
	host     string // lower-case host[:port] links must carry
	scheme   string
	scope    string
	cred     azcore.TokenCredential
	http     *http.Client
	log      *slog.Logger
	retries  int
	maxBytes int64
	// backoffBase is the first backoff wait.
	backoffBase time.Duration

	tokenMu sync.Mutex
	token   azcore.AccessToken
	claims  string // of a 401's challenge, for the next token

	// Seams for tests (set in export_test.go).
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func() float64 // in [0, 1)
}

// New checks the options and returns a Client. The endpoint must be https,
// or http on a loopback address (stand-ins).
func New(opts Options) (*Client, error) {
	if opts.Credential == nil {
		return nil, errors.New("graph: a credential is required")
	}
	endpoint, u, err := parseEndpoint(opts.Endpoint)
	if err != nil {
		return nil, err
	}
	c := &Client{endpoint: endpoint, host: strings.ToLower(u.Host), scheme: u.Scheme,
		scope: endpoint + "/.default", cred: opts.Credential, http: opts.HTTPClient, log: opts.Log,
		retries: opts.MaxRetries, maxBytes: opts.MaxPageBytes,
		now: time.Now, sleep: pause.For, jitter: rand.Float64}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.retries <= 0 {
		c.retries = defaultMaxRetries
	}
	if c.maxBytes <= 0 {
		c.maxBytes = 64 << 20
	}
	c.backoffBase = opts.BackoffBase
	if c.backoffBase <= 0 {
		c.backoffBase = defaultBackoffBase
	}
	return c, nil
}

// Endpoint is the endpoint the client talks to (scheme://host, no slash).
func (c *Client) Endpoint() string { return c.endpoint }

// parseEndpoint normalises the endpoint to scheme://host.
func parseEndpoint(raw string) (string, *url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		raw = DefaultEndpoint
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", nil, fmt.Errorf("graph: endpoint %q is not scheme://host", raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return "", nil, fmt.Errorf("graph: endpoint %q must use https", raw)
	}
	return u.Scheme + "://" + u.Host, u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func defaultHTTPClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = 90 * time.Second
	transport.TLSHandshakeTimeout = 15 * time.Second
	return &http.Client{Transport: transport, Timeout: 3 * time.Minute}
}

// DeltaURL returns the first request of a full round: resource is "users"
// or "groups"; selected are Graph property names for $select ("id" always
// added; for groups "members" always added).
func (c *Client) DeltaURL(resource string, selected []string) string {
	return c.endpoint + "/v1.0/" + url.PathEscape(resource) + "/delta?$select=" + selectList(resource, selected)
}

// LatestURL is DeltaURL with $deltatoken=latest: Graph answers with a
// deltaLink and no objects ("from now on").
func (c *Client) LatestURL(resource string, selected []string) string {
	return c.DeltaURL(resource, selected) + "&$deltatoken=latest"
}

// selectList joins the property names, id first, members for groups,
// without duplicates (compared case-insensitively, as Graph does).
func selectList(resource string, selected []string) string {
	names := []string{"id"}
	if resource == "groups" {
		selected = append(append([]string(nil), selected...), "members")
	}
	seen := map[string]bool{"id": true}
	for _, name := range selected {
		name = strings.TrimSpace(name)
		if name == "" || seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		names = append(names, url.QueryEscape(name))
	}
	return strings.Join(names, ",")
}
