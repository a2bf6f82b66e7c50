package sharepoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Error is a failed SharePoint REST call: its HTTP status and, when the body
// is a SharePoint error document, its code and message.
type Error struct {
	Method     string
	Path       string // the request's path, without the site origin or query
	StatusCode int
	Code       string // e.g. "-2146232832, Microsoft.SharePoint.SPException"
	Message    string
}

// Error formats the method, path, status and SharePoint's code and message.
func (e *Error) Error() string {
	msg := fmt.Sprintf("sharepoint: %s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// ErrTokenRefused reports SharePoint's refusal of a change token: older
// than the change log (SharePoint Online keeps about 60 days), or made for
// another list. (SharePointChangePoll turns it into its own ErrStaleToken,
// which also covers a token it judges too old before asking.)
var ErrTokenRefused = errors.New("sharepoint: change token is older than the change log or belongs to another object")

// staleTokenCodes are the SharePoint error codes that only ever mean an
// unusable change token: -2130575172, a token SharePoint no longer accepts
// ("refers to a time before the start of the current change log",
// SPInvalidChangeTokenException), and -2130575173, a token of another object.
var staleTokenCodes = []string{"-2130575172", "-2130575173"}

// staleTokenMessages identify SharePoint's stale-token answers whose code is
// the generic SPException one (-2146232832, which SharePoint also uses for
// unrelated failures such as a missing form digest).
var staleTokenMessages = []string{
	"before the start of the current change log",
	"changetoken from one object against a different object",
	"change token is not valid",
}

// Is lets errors.Is(err, ErrTokenRefused) recognise SharePoint's answer.
func (e *Error) Is(target error) bool {
	if target != ErrTokenRefused {
		return false
	}
	for _, code := range staleTokenCodes {
		if strings.HasPrefix(e.Code, code) {
			return true
		}
	}
	message := strings.ToLower(e.Message)
	for _, text := range staleTokenMessages {
		if strings.Contains(message, text) {
			return true
		}
	}
	return false
}

// permanent reports a failure that another attempt cannot fix, whatever
// its status: a stale change token, or a query over the list view
// threshold (HTTP 500 with SPQueryThrottledException and a message about
// the threshold: it is about the query and the list, not about load;
// throttling under load comes as 429 or 503 and is retried).
func permanent(err error) bool {
	var spErr *Error
	if !errors.As(err, &spErr) {
		return false
	}
	overThreshold := spErr.StatusCode == 500 && strings.Contains(spErr.Code, "SPQueryThrottledException") &&
		strings.Contains(strings.ToLower(spErr.Message), "threshold")
	return overThreshold || errors.Is(err, ErrTokenRefused)
}

// IsNotFound reports whether err is SharePoint's 404.
func IsNotFound(err error) bool {
	var spErr *Error
	return errors.As(err, &spErr) && spErr.StatusCode == 404
}

// errorDocument is SharePoint's error body, verbose ("error") or JSON light ("odata.error").
type errorDocument struct {
	Verbose *errorBody `json:"error"`
	Light   *errorBody `json:"odata.error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message struct {
		Value string `json:"value"`
	} `json:"message"`
}

// newError builds an Error from a response body.
func newError(method, path string, status int, body []byte) *Error {
	e := &Error{Method: method, Path: path, StatusCode: status}
	var doc errorDocument
	if json.Unmarshal(body, &doc) == nil {
		if b := doc.Verbose; b != nil {
			e.Code, e.Message = b.Code, b.Message.Value
		} else if b := doc.Light; b != nil {
			e.Code, e.Message = b.Code, b.Message.Value
		}
	}
	if e.Code == "" && e.Message == "" {
		e.Message = snippet(body)
	}
	return e
}

// snippet is the start of a non-JSON error body, on one line.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
