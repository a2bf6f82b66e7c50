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

// ErrStaleToken reports a change token SharePoint no longer accepts: older
// than the change log (SharePoint Online keeps about 60 days), or made for
// another list.
var ErrStaleToken = errors.New("sharepoint: change token is older than the change log or belongs to another object")

// staleTokenCodes are the SharePoint error codes for an unusable change token:
// a time before the start of the change log, an invalid token, a token of
// another object.
var staleTokenCodes = []string{"-2146232832", "-2130575172", "-2130575173"}

// Is lets errors.Is(err, ErrStaleToken) recognise SharePoint's answer.
func (e *Error) Is(target error) bool {
	if target != ErrStaleToken {
		return false
	}
	for _, code := range staleTokenCodes {
		if strings.HasPrefix(e.Code, code) {
			return true
		}
	}
	return false
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
