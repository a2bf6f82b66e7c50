package graphtest

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"time"
)

// Fault makes matching delta requests fail.
type Fault struct {
	Resource   string // "users", "groups", or "" for both
	Status     int    // e.g. 429, 503, 504, 410, 400, 403
	RetryAfter string // Retry-After header value, if any (seconds or an HTTP date)
	Code       string // error code in the body; a default per status when empty
	Message    string // error message in the body; a default when empty
	Times      int    // how many matching requests fail; 0 means 1
	// After lets this many matching requests pass before the fault starts
	// (a storm after half a round: After = half the round's requests).
	After int
}

// defaultExpired is Graph's answer to an expired delta token.
var defaultExpired = queryError{http.StatusBadRequest, "syncStateNotFound",
	"The sync state generation is not found. The delta token is expired and data must be synchronized again."}

// InjectFault queues a fault; faults are consumed in the order injected.
func (s *Server) InjectFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ExpireTokens makes every skip and delta token issued so far invalid:
// following one answers 400 with error code syncStateNotFound, as Graph
// does for an expired delta token.
func (s *Server) ExpireTokens() { s.ExpireTokensAs(http.StatusBadRequest, "", "") }

// ExpireTokensAs is ExpireTokens with another answer for the old tokens:
// the "40X-series error codes such as syncStateNotFound" of the delta
// query docs (e.g. 400 syncStateInvalid, or a message such as "DeltaLink
// older than 30 days is not supported"), or 410 Gone with a Location
// header. Empty code and message keep the defaults.
func (s *Server) ExpireTokensAs(status int, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch++
	s.expiredAs = queryError{status, orDefault(code, defaultExpired.code), orDefault(message, defaultExpired.message)}
	if status == http.StatusGone {
		s.expiredAs.code = orDefault(code, "syncStateInvalid")
		s.expiredAs.message = orDefault(message, "The delta state is no longer valid; start a new round.")
	}
}

func (s *Server) takeFault(resource string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Times == 0 || (f.Resource != "" && f.Resource != resource) {
			continue
		}
		if f.After > 0 {
			f.After--
			continue
		}
		f.Times--
		copied := *f
		return &copied
	}
	return nil
}

// writeFault answers with the fault's status, headers and a Graph error body.
func (s *Server) writeFault(w http.ResponseWriter, resource string, f *Fault) {
	code, message := f.Code, f.Message
	switch f.Status {
	case http.StatusTooManyRequests:
		code, message = orDefault(code, "TooManyRequests"), orDefault(message, "Too many requests.")
	case http.StatusServiceUnavailable:
		code, message = orDefault(code, "serviceNotAvailable"), orDefault(message, "The service is temporarily unavailable.")
	case http.StatusGatewayTimeout:
		code, message = orDefault(code, "gatewayTimeout"), orDefault(message, "The gateway timed out.")
	case http.StatusInternalServerError:
		code, message = orDefault(code, "InternalServerError"), orDefault(message, "An internal server error occurred.")
	case http.StatusBadGateway:
		code, message = orDefault(code, "badGateway"), orDefault(message, "The gateway received an invalid response.")
	case http.StatusGone:
		code, message = orDefault(code, "syncStateInvalid"), orDefault(message, "The delta state is no longer valid; start a new round.")
		w.Header().Set("Location", s.url+"/v1.0/"+resource+"/delta")
	case http.StatusBadRequest:
		code, message = orDefault(code, "Request_BadRequest"), orDefault(message, "Invalid request.")
	case http.StatusForbidden:
		code, message = orDefault(code, "Authorization_RequestDenied"), orDefault(message, "Insufficient privileges to complete the operation.")
	default:
		code, message = orDefault(code, "generalException"), orDefault(message, "An unexpected error occurred.")
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	writeError(w, f.Status, code, message)
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// writeError writes Graph's error shape:
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	requestID := newGUID()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", requestID)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]string{"date": time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id": requestID, "client-request-id": requestID},
	}})
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func newGUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}

// ClearFaults drops every fault still queued: the end of a storm.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}
