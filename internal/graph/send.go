package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tenantops/tenantops/internal/version"
)

// Backoff without Retry-After: base doubled per attempt, capped, with jitter.
const (
	backoffBase = time.Second
	backoffMax  = 60 * time.Second
	// tokenMargin is how long before expiry a cached token is replaced.
	tokenMargin = 5 * time.Minute
)

// Page GETs one page: a DeltaURL, or a nextLink/deltaLink exactly as Graph
// returned it. It honours Retry-After on 429, 503 and 504 (any length, also
// beyond azcore's 60 s default), backs off exponentially without it, and
// gives up early with an error wrapping ErrOutOfBudget when the wait would
// pass ctx's deadline (the run budget), so the caller can save what is
// safely done.
func (c *Client) Page(ctx context.Context, link string) (Page, error) {
	target, err := c.checkLink(link)
	if err != nil {
		return Page{}, err
	}
	for attempt := 0; ; attempt++ {
		page, wait, err := c.try(ctx, link, target)
		if wait < 0 {
			return page, err
		}
		if attempt >= c.retries {
			return Page{}, fmt.Errorf("graph: giving up on %s after %d retries: %w", target.Path, c.retries, err)
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		if deadline, ok := ctx.Deadline(); ok && c.now().Add(wait).After(deadline) {
			return Page{}, fmt.Errorf("graph: %s: waiting %s would pass the run's deadline (%v): %w",
				target.Path, wait.Round(time.Millisecond), err, ErrOutOfBudget)
		}
		c.log.Warn("graph: retrying", "path", target.Path, "attempt", attempt+1, "wait", wait.String(), "reason", err.Error())
		if err := c.sleep(ctx, wait); err != nil {
			return Page{}, fmt.Errorf("graph: waiting to retry %s: %w", target.Path, err)
		}
	}
}

// try sends one request. wait < 0 means done (page or final error); wait
// == 0 a retry with backoff; wait > 0 a retry after that long.
func (c *Client) try(ctx context.Context, link string, target *url.URL) (Page, time.Duration, error) {
	token, err := c.bearer(ctx)
	if err != nil {
		return Page{}, -1, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return Page{}, -1, fmt.Errorf("graph: request for %s: %w", target.Path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", version.UserAgent())
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Page{}, -1, fmt.Errorf("graph: GET %s: %w", target.Path, ctx.Err())
		}
		return Page{}, 0, fmt.Errorf("graph: GET %s: %w", target.Path, scrub(err, link))
	}
	defer drain(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
		page, err := c.decodePage(resp.Body)
		if err != nil {
			return Page{}, -1, fmt.Errorf("graph: page of %s: %w", target.Path, err)
		}
		return page, -1, nil
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		err := statusError(resp, target.Path)
		return Page{}, c.retryAfter(resp.Header.Get("Retry-After")), err
	case http.StatusUnauthorized, http.StatusForbidden:
		c.forgetToken()
		return Page{}, -1, fmt.Errorf("%w: %w", ErrUnauthorized, statusError(resp, target.Path))
	case http.StatusGone:
		return Page{}, -1, fmt.Errorf("%w: %w", ErrResync, statusError(resp, target.Path))
	case http.StatusBadRequest:
		err := statusError(resp, target.Path)
		var ge *Error
		if errors.As(err, &ge) && strings.EqualFold(ge.Code, "syncStateNotFound") {
			return Page{}, -1, fmt.Errorf("%w: %w", ErrResync, err)
		}
		return Page{}, -1, err
	default:
		return Page{}, -1, statusError(resp, target.Path)
	}
}

// checkLink refuses a link that is not absolute or points at another host
// (or scheme) than the endpoint, so the bearer token goes nowhere else.
func (c *Client) checkLink(link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("graph: link is not a URL: %w", scrub(err, link))
	}
	if !strings.EqualFold(u.Scheme, c.scheme) || !strings.EqualFold(u.Host, c.host) || u.User != nil {
		return nil, fmt.Errorf("graph: refusing a link to %s://%s: it is not the endpoint %s", u.Scheme, u.Host, c.endpoint)
	}
	return u, nil
}

// bearer returns a cached token, fetching a new one near expiry.
func (c *Client) bearer(ctx context.Context) (string, error) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	now := c.now()
	if c.token.Token != "" && now.Add(tokenMargin).Before(c.token.ExpiresOn) &&
		(c.token.RefreshOn.IsZero() || now.Before(c.token.RefreshOn)) {
		return c.token.Token, nil
	}
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return "", fmt.Errorf("graph: getting a token for %s: %w", c.scope, err)
	}
	c.token = tok
	return tok.Token, nil
}

// forgetToken drops the cached token after a 401/403, so the next call
// asks the credential again.
func (c *Client) forgetToken() {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	c.token = azcore.AccessToken{}
}

// retryAfter reads Retry-After as seconds or an HTTP date; 0 when absent
// or unreadable (then the caller backs off).
func (c *Client) retryAfter(value string) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 {
			return time.Millisecond
		}
		if secs > math.MaxInt64/int64(time.Second) {
			return time.Duration(math.MaxInt64)
		}
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil {
		if d := at.Sub(c.now()); d > 0 {
			return d
		}
		return time.Millisecond
	}
	return 0
}

// backoff is base*2^attempt capped at backoffMax, scaled by a jitter in [0.5, 1).
func (c *Client) backoff(attempt int) time.Duration {
	d := backoffMax
	if attempt < 16 {
		d = min(backoffBase<<attempt, backoffMax)
	}
	return time.Duration(float64(d) * (0.5 + c.jitter()/2))
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drain reads a little of what is left so the connection can be reused.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}

// scrub removes the link (with its opaque state token) from a transport
// error's text; url.Error quotes the whole URL.
func scrub(err error, link string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return errors.New(strings.ReplaceAll(err.Error(), link, "<link>"))
}
