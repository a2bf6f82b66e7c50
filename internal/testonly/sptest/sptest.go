// Package sptest is a SharePoint Online stand-in for tests and the demo: an
// HTTP server on a loopback port that speaks the REST shapes tenantops (and
// gosip) use — lists by title or id, items with lookup columns, the list
// change log with real-format change tokens and FetchLimit paging,
// CurrentChangeToken, $filter on lookup ids with next links, items by id,
// list columns with their LookupList, recycle and DELETE, the site's
// recycle bin with Restore (logged as a Restore change), $batch with
// changesets and per-operation statuses, contextinfo, list webhook
// subscriptions (with the validation handshake and notifications after
// changes, batched and retried as SharePoint does) —
// with bearer-token checks, injectable throttling and failures, and request
// counting.
package sptest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// SitePath is the site's server-relative path; default /sites/ops.
	SitePath string
	// VerifyToken checks a bearer token for the audience (the site's
	// origin). Nil accepts any non-empty bearer token.
	VerifyToken func(token, audience string) error
	// Retention is how far back the change log reaches; default 60 days.
	Retention time.Duration
	// Clock is the server's time; default time.Now.
	Clock func() time.Time
	// WebhookClient calls notification URLs (validation and
	// notifications); default a plain http.Client.
	WebhookClient *http.Client
	// NotifyDelay is how long changes gather before a notification goes
	// out (SharePoint's is up to a minute); default 0, at once.
	NotifyDelay time.Duration
	// RetryInterval is the wait between tries of a failed notification;
	// default 5 minutes, as SharePoint's.
	RetryInterval time.Duration
}

// Server is a running stand-in.
type Server struct {
	opts     Options
	listener net.Listener
	http     *http.Server
	siteURL  string
	origin   string

	mu         sync.Mutex
	site       *site
	faults     []*Fault
	requests   []string
	userAgents map[string]int
	webhooks   subscriptionsState
	closed     bool
}

// Start listens on a free loopback port and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.SitePath == "" {
		opts.SitePath = "/sites/ops"
	}
	if opts.Retention == 0 {
		opts.Retention = 60 * 24 * time.Hour
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.WebhookClient == nil {
		opts.WebhookClient = &http.Client{}
	}
	if opts.RetryInterval == 0 {
		opts.RetryInterval = 5 * time.Minute
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sptest: listen: %w", err)
	}
	s := &Server{opts: opts, listener: listener, site: newSite(), userAgents: map[string]int{},
		webhooks: subscriptionsState{subs: map[string]*Subscription{}, pending: map[string]bool{}}}
	s.site.onChange = s.changedLocked
	s.origin = "http://" + listener.Addr().String()
	s.siteURL = s.origin + opts.SitePath
	s.http = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(listener) }() // returns http.ErrServerClosed on Close
	return s, nil
}

// SiteURL is the site's absolute URL (the SPSiteUrl setting).
func (s *Server) SiteURL() string { return s.siteURL }

// Origin is scheme://host:port, the token audience.
func (s *Server) Origin() string { return s.origin }

// Close stops the server.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.http.Shutdown(ctx)
}

// now is the server's clock.
func (s *Server) now() time.Time { return s.opts.Clock().UTC() }
