package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Error is an HTTP error answer from Graph: its status and the error code
// and message from the body ({"error":{"code":"…","message":"…"}}). It
// never holds the request's token or link.
type Error struct {
	Status    int    // HTTP status
	Path      string // the request's path, without the query
	Code      string // Graph's error code, e.g. "syncStateNotFound"
	Message   string // Graph's message, shortened
	RequestID string // request-id from the body or header, for support cases
}

// Error reads "graph: GET <path>: HTTP <status> <code>: <message> (request-id …)".
func (e *Error) Error() string {
	text := fmt.Sprintf("graph: GET %s: HTTP %d", e.Path, e.Status)
	if e.Code != "" {
		text += " " + e.Code
	}
	if e.Message != "" {
		text += ": " + e.Message
	}
	if e.RequestID != "" {
		text += " (request-id " + e.RequestID + ")"
	}
	return text
}

// statusError reads the error body of resp (at most 64 KiB).
func statusError(resp *http.Response, path string) error {
	var body struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(data, &body)
	e := &Error{Status: resp.StatusCode, Path: path, Code: body.Error.Code,
		Message: shorten(body.Error.Message), RequestID: body.Error.InnerError.RequestID}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("request-id")
	}
	if e.Code == "" && e.Message == "" {
		e.Message = shorten(strings.TrimSpace(string(data)))
	}
	return e
}

// shorten keeps messages to one readable line.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// classify wraps a final error answer: ErrResync for an expired or
// invalid delta state, ErrUnselectable for a property delta cannot track;
// other answers stay plain *Error.
func classify(e *Error) error {
	switch {
	case e.Status == http.StatusGone || (e.Status == http.StatusBadRequest && namesSyncState(e)):
		return fmt.Errorf("%w: %w", ErrResync, e)
	case e.Status == http.StatusNotImplemented || (e.Status == http.StatusBadRequest && namesUnselectable(e.Message)):
		return fmt.Errorf("%w: %w", ErrUnselectable, e)
	}
	return e
}

// namesSyncState reports an answer whose code or message is about the
// delta state or the delta link's age: syncStateNotFound, syncStateInvalid,
// resyncRequired, "The sync state generation is not found", "DeltaLink
// older than 30 days is not supported", an expired delta token.
func namesSyncState(e *Error) bool {
	code, msg := strings.ToLower(e.Code), strings.ToLower(e.Message)
	if strings.Contains(code, "syncstate") || strings.Contains(code, "resync") {
		return true
	}
	for _, s := range []string{"sync state", "syncstate", "resync"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	aboutLink := false
	for _, s := range []string{"deltalink", "delta link", "deltatoken", "delta token"} {
		aboutLink = aboutLink || strings.Contains(msg, s) || strings.Contains(code, strings.ReplaceAll(s, " ", ""))
	}
	for _, s := range []string{"older than", "expired", "too old", "no longer valid"} {
		if aboutLink && strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// namesUnselectable reports a 400 saying $select is not supported for
// some properties ("...$expand/$select is not supported for the following
// properties: birthday").
func namesUnselectable(msg string) bool {
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "$select is not supported") || strings.Contains(msg, "not supported for the following properties")
}

// UnselectableProperties returns the property names an ErrUnselectable
// answer lists after "properties:" (nil when it names none).
func UnselectableProperties(err error) []string {
	var e *Error
	if !errors.Is(err, ErrUnselectable) || !errors.As(err, &e) {
		return nil
	}
	i := strings.LastIndex(strings.ToLower(e.Message), "properties:")
	if i < 0 {
		return nil
	}
	var names []string
	for _, name := range strings.Split(e.Message[i+len("properties:"):], ",") {
		name = strings.Trim(strings.TrimSpace(name), ".'\"")
		if name != "" && !strings.ContainsAny(name, " /") {
			names = append(names, name)
		}
	}
	return names
}
