package graph

import (
	"encoding/json"
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
