package sptest

import (
	"net/http"
	"strings"
)

// Fault makes matching requests fail. A fault matches a top-level request
// or an operation inside a $batch.
type Fault struct {
	Method         string // "" matches any method
	PathContains   string // case-insensitive substring of the path; "" matches any
	Status         int    // e.g. 429, 503, 500
	RetryAfter     string // Retry-After header value, if any
	RateLimitReset string // RateLimit-Reset header value, if any
	Times          int    // how many matching requests fail; 0 means 1
}

// InjectFault queues a fault; faults are consumed in the order injected.
func (s *Server) InjectFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// takeFault returns the first live fault matching the request, consuming one use.
func (s *Server) takeFault(method, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Times == 0 {
			continue
		}
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.PathContains != "" && !strings.Contains(strings.ToLower(path), strings.ToLower(f.PathContains)) {
			continue
		}
		f.Times--
		copied := *f
		return &copied
	}
	return nil
}

// writeFault answers with the fault's status, headers and a SharePoint error body.
func writeFault(w http.ResponseWriter, format format, f *Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.RateLimitReset != "" {
		w.Header().Set("RateLimit-Limit", "1200")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", f.RateLimitReset)
	}
	message := "The request has been throttled."
	switch f.Status {
	case http.StatusServiceUnavailable:
		message = "The service is temporarily unavailable."
	case http.StatusInternalServerError:
		message = "An unexpected error has occurred."
	}
	writeError(w, format, f.Status, "-2147024860, Microsoft.SharePoint.SPException", message)
}

// Requests returns "METHOD path" of every top-level request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// RequestCount is the number of top-level requests so far (a $batch counts once).
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// ResetRequests forgets the requests counted so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func (s *Server) countRequest(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	s.userAgents[r.UserAgent()]++
}

// UserAgents returns every User-Agent seen so far.
func (s *Server) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for ua := range s.userAgents {
		out = append(out, ua)
	}
	return out
}
