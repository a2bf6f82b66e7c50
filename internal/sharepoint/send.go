package sharepoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/koltyakov/gosip"

	"github.com/tenantops/tenantops/internal/pause"
)

// Request defaults: JSON light without metadata keeps responses small; write
// bodies are verbose JSON, as SharePoint accepts them everywhere.
const (
	acceptNoMetadata = "application/json;odata=nometadata"
	acceptVerbose    = "application/json;odata=verbose"
	contentTypeJSON  = "application/json;odata=verbose;charset=utf-8"
	maxResponseBytes = 64 << 20
)

// call is one REST request.
type call struct {
	method      string
	url         string // absolute
	body        []byte
	contentType string
	accept      string
	digest      string // X-RequestDigest, set by send for POSTs
}

// reply is a successful response.
type reply struct {
	body   []byte
	header http.Header
}

// send performs a call through gosip, retrying throttled and transient
// failures (not permanent ones); it gives up when the context's deadline
// cannot cover the wait.
func (c *Client) send(ctx context.Context, req call) (reply, error) {
	if needsDigest(req) {
		digest, err := c.requestDigest(ctx)
		if err != nil {
			return reply{}, err
		}
		req.digest = digest
	}
	for attempt := 1; ; attempt++ {
		rep, status, header, err := c.attempt(ctx, req)
		if err == nil {
			return rep, nil
		}
		if ctx.Err() != nil {
			return reply{}, fmt.Errorf("sharepoint: %s %s: %w", req.method, pathOf(req.url), ctx.Err())
		}
		if (status != 0 && !retryable(status)) || permanent(err) {
			return reply{}, err
		}
		if attempt >= c.retry.MaxAttempts {
			return reply{}, fmt.Errorf("sharepoint: gave up after %d attempts: %w", attempt, err)
		}
		wait := c.waitBefore(attempt, header)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return reply{}, throttled(status, wait, fmt.Errorf("sharepoint: asked to wait %s, more than the run has left: %w", wait.Round(time.Second), err))
		}
		c.log.Warn("sharepoint: retrying", "method", req.method, "path", pathOf(req.url),
			"status", status, "attempt", attempt, "wait", wait.String())
		if err := pause.For(ctx, wait); err != nil {
			return reply{}, fmt.Errorf("sharepoint: %s %s: %w", req.method, pathOf(req.url), err)
		}
	}
}

// waitBefore is the server's requested wait, else exponential backoff.
func (c *Client) waitBefore(attempt int, header http.Header) time.Duration {
	if wait := serverDelay(header, time.Now()); wait > 0 {
		return wait
	}
	return c.retry.backoff(attempt)
}

// attempt sends the call once. status is 0 for a transport failure.
func (c *Client) attempt(ctx context.Context, req call) (reply, int, http.Header, error) {
	httpReq, err := c.newRequest(ctx, req)
	if err != nil {
		return reply{}, -1, nil, err
	}
	resp, err := c.sp.Execute(httpReq)
	if err != nil {
		return c.failure(req, resp, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return reply{}, 0, nil, fmt.Errorf("sharepoint: %s %s: reading response: %w", req.method, pathOf(req.url), err)
	}
	return reply{body: body, header: resp.Header}, resp.StatusCode, resp.Header, nil
}

// failure turns gosip's error into ours. gosip returns *gosip.SPError for a
// non-2xx answer (also for a failed digest request, with a synthetic
// response), and a plain error for transport and auth failures.
func (c *Client) failure(req call, resp *http.Response, err error) (reply, int, http.Header, error) {
	var spErr *gosip.SPError
	if errors.As(err, &spErr) {
		var header http.Header
		if resp != nil && resp.StatusCode == spErr.StatusCode {
			header = resp.Header
			resp.Body.Close()
		}
		return reply{}, spErr.StatusCode, header, newError(req.method, pathOf(req.url), spErr.StatusCode, []byte(spErr.Body))
	}
	if resp != nil && resp.StatusCode == http.StatusUnauthorized {
		return reply{}, http.StatusUnauthorized, nil, fmt.Errorf("sharepoint: %s %s: %w", req.method, pathOf(req.url), err)
	}
	return reply{}, 0, nil, fmt.Errorf("sharepoint: %s %s: %w", req.method, pathOf(req.url), err)
}

func (c *Client) newRequest(ctx context.Context, req call) (*http.Request, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	httpReq, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return nil, fmt.Errorf("sharepoint: %s %s: %w", req.method, pathOf(req.url), err)
	}
	accept := req.accept
	if accept == "" {
		accept = acceptNoMetadata
	}
	httpReq.Header.Set("Accept", accept)
	if req.body != nil {
		contentType := req.contentType
		if contentType == "" {
			contentType = contentTypeJSON
		}
		httpReq.Header.Set("Content-Type", contentType)
	}
	if req.digest != "" {
		httpReq.Header.Set("X-RequestDigest", req.digest)
	}
	httpReq.Header.Set("User-Agent", userAgent())
	return httpReq, nil
}

// pathOf is a URL's path, for logs and errors.
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.EscapedPath()
}
