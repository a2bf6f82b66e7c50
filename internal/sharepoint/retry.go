package sharepoint

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryOptions tunes waiting on throttling and transient failures.
type RetryOptions struct {
	// MaxAttempts is how often one request is tried in all; default 6.
	MaxAttempts int
	// BaseDelay is the first backoff when the server names no wait; it
	// doubles per attempt, with ±20 % jitter; default 1 s.
	BaseDelay time.Duration
	// MaxDelay caps one backoff; default 2 min. A wait the server names
	// (Retry-After, RateLimit-Reset) is honoured in full, as SharePoint
	// requires, unless it is longer than what is left of the context's
	// deadline: then the request ends at once instead.
	MaxDelay time.Duration
}

func (o RetryOptions) withDefaults() RetryOptions {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 2 * time.Minute
	}
	return o
}

// retryable reports whether a status is worth another attempt: throttling
// (429, 503) and transient server failures (500, 502, 504).
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable,
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// ThrottledError is a call SharePoint throttled (429 or 503) for longer than
// the caller could wait: the wait it asked for is longer than the context's
// deadline leaves. Wait is that wait (the backoff when the server named
// none): a caller that can come back later, such as a queue message put
// back on its queue, waits that long. (A call whose retries run out is not
// one: throttling that persists is a failure, counted as such.)
type ThrottledError struct {
	Wait time.Duration
	Err  error
}

// Error is the underlying error's text.
func (e *ThrottledError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ThrottledError) Unwrap() error { return e.Err }

// throttled marks err as a ThrottledError when status is a throttling one.
func throttled(status int, wait time.Duration, err error) error {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		return &ThrottledError{Wait: wait, Err: err}
	}
	return err
}

// serverDelay is the wait the server asks for: the larger of Retry-After
// (seconds or an HTTP date) and RateLimit-Reset (seconds), or 0 for none.
func serverDelay(h http.Header, now time.Time) time.Duration {
	wait := parseRetryAfter(h.Get("Retry-After"), now)
	if reset, err := strconv.Atoi(strings.TrimSpace(h.Get("RateLimit-Reset"))); err == nil && reset > 0 {
		wait = max(wait, time.Duration(reset)*time.Second)
	}
	return wait
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return max(0, time.Duration(secs)*time.Second)
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(0, at.Sub(now))
	}
	return 0
}

// backoff is the wait before attempt n (1-based) when the server names none.
func (o RetryOptions) backoff(attempt int) time.Duration {
	d := o.BaseDelay << (attempt - 1)
	if d <= 0 || d > o.MaxDelay {
		d = o.MaxDelay
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}
