package graph

import (
	"context"
	"encoding/base64"
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
	defaultBackoffBase = time.Second
	backoffMax         = 60 * time.Second
	// tokenMargin is how long before expiry a cached token is replaced.
	tokenMargin = 5 * time.Minute
)

// Page GETs one page: a DeltaURL, or a nextLink/deltaLink exactly as Graph
// returned it. It retries 429, 500, 502, 503, 504 and transport errors,
// honouring Retry-After (any length, also beyond azcore's 60 s default) and
// backing off exponentially with jitter without it, and gives up early with
// an error wrapping ErrOutOfBudget when a wait would pass ctx's deadline
// (the run budget), so the caller can save what is safely done. A 401 is
// retried once with a new token from the credential.
func (c *Client) Page(ctx context.Context, link string) (Page, error) {
	target, err := c.checkLink(link)
	if err != nil {
		return Page{}, err
	}
	reauthorized := false
	for attempt := 0; ; {
		page, next, wait, err := c.try(ctx, link, target)
		switch {
		case next == verdictDone:
			return page, err
		case next == verdictReauthorize && reauthorized:
			return Page{}, err
		case next == verdictReauthorize:
			reauthorized = true
			c.log.Warn("graph: 401; retrying once with a new token", "path", target.Path)
			continue
		}
		if attempt >= c.retries {
			return Page{}, fmt.Errorf("graph: giving up on %s after %d retries: %w", target.Path, c.retries, err)
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		attempt++
		if deadline, ok := ctx.Deadline(); ok && c.now().Add(wait).After(deadline) {
			return Page{}, fmt.Errorf("graph: %s: waiting %s would pass the run's deadline (%v): %w",
				target.Path, wait.Round(time.Millisecond), err, ErrOutOfBudget)
		}
		c.log.Warn("graph: retrying", "path", target.Path, "attempt", attempt, "wait", wait.String(), "reason", err.Error())
		if err := c.sleep(ctx, wait); err != nil {
			return Page{}, fmt.Errorf("graph: waiting to retry %s: %w", target.Path, err)
		}
	}
}

// verdict is what Page does after one try.
type verdict int

const (
	verdictDone        verdict = iota // a page, or an error not worth retrying
	verdictRetry                      // retry after the wait (0: back off)
	verdictReauthorize                // 401: retry once with a new token
)

// try sends one request and says what to do next.
func (c *Client) try(ctx context.Context, link string, target *url.URL) (Page, verdict, time.Duration, error) {
	token, err := c.bearer(ctx)
	if err != nil {
		return Page{}, verdictDone, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return Page{}, verdictDone, 0, fmt.Errorf("graph: request for %s: %w", target.Path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", version.UserAgent())
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Page{}, verdictDone, 0, fmt.Errorf("graph: GET %s: %w", target.Path, ctx.Err())
		}
		return Page{}, verdictRetry, 0, fmt.Errorf("graph: GET %s: %w", target.Path, scrub(err, link))
	}
	defer drain(resp.Body)
	if resp.StatusCode == http.StatusOK {
		page, err := c.decodePage(resp.Body)
		if err != nil && ctx.Err() != nil {
			return Page{}, verdictDone, 0, fmt.Errorf("graph: page of %s: %w", target.Path, ctx.Err())
		}
		if err != nil {
			return Page{}, verdictDone, 0, fmt.Errorf("graph: page of %s: %w", target.Path, err)
		}
		return page, verdictDone, 0, nil
	}
	return c.failure(resp, target.Path)
}

// failure classifies an error answer.
func (c *Client) failure(resp *http.Response, path string) (Page, verdict, time.Duration, error) {
	err := statusError(resp, path)
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return Page{}, verdictRetry, c.retryAfter(resp.Header.Get("Retry-After")), err
	case http.StatusUnauthorized:
		c.forgetToken(claimsChallenge(resp.Header.Values("WWW-Authenticate")))
		return Page{}, verdictReauthorize, 0, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	case http.StatusForbidden:
		c.forgetToken("")
		return Page{}, verdictDone, 0, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	var e *Error
	if errors.As(err, &e) {
		return Page{}, verdictDone, 0, classify(e)
	}
	return Page{}, verdictDone, 0, err
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

// bearer returns a cached token, fetching a new one near expiry or after
// a 401 (then with the claims of the challenge, if any, which makes the
// credential skip its own cache).
func (c *Client) bearer(ctx context.Context) (string, error) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	now := c.now()
	if c.token.Token != "" && now.Add(tokenMargin).Before(c.token.ExpiresOn) &&
		(c.token.RefreshOn.IsZero() || now.Before(c.token.RefreshOn)) {
		return c.token.Token, nil
	}
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}, Claims: c.claims})
	if err != nil {
		return "", fmt.Errorf("graph: getting a token for %s: %w", c.scope, err)
	}
	c.token, c.claims = tok, ""
	return tok.Token, nil
}

// forgetToken drops the cached token after a 401/403, so the next call
// asks the credential again, with the claims of a 401's challenge.
func (c *Client) forgetToken(claims string) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	c.token, c.claims = azcore.AccessToken{}, claims
}

// claimsChallenge reads the claims of a Bearer challenge
// (WWW-Authenticate: Bearer ..., claims="<base64>"), decoded; "" when none.
func claimsChallenge(headers []string) string {
	for _, h := range headers {
		_, rest, ok := strings.Cut(h, `claims="`)
		if !ok {
			continue
		}
		value, _, _ := strings.Cut(rest, `"`)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if decoded, err := enc.DecodeString(value); err == nil {
				return string(decoded)
			}
		}
	}
	return ""
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
		d = min(c.backoffBase<<attempt, backoffMax)
	}
	return time.Duration(float64(d) * (0.5 + c.jitter()/2))
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
