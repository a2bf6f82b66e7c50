package spwebhook

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/tenantops/tenantops/internal/invoke"
)

// httpRequest is the HTTP trigger's request as the host sends it in
// Data.req (Url, Method, Query, Headers, Body). Url and Query carry the
// function's code key: neither is ever logged.
type httpRequest struct {
	Method  string
	query   map[string]string
	Body    string
	HasBody bool
}

// parseRequest reads Data.req. Query arrives as an object of name to
// string, or (in the documentation's example) as a JSON string of one;
// when it is missing the query is read from Url.
func parseRequest(req invoke.Request) (httpRequest, error) {
	raw, ok := invoke.Lookup(req.Data, requestBinding)
	if !ok {
		return httpRequest{}, fmt.Errorf("no %s in the invocation's Data", requestBinding)
	}
	var wire struct {
		URL    string          `json:"Url"`
		Method string          `json:"Method"`
		Query  json.RawMessage `json:"Query"`
		Body   json.RawMessage `json:"Body"`
	}
	if err := json.Unmarshal([]byte(invoke.String(raw)), &wire); err != nil {
		return httpRequest{}, fmt.Errorf("the invocation's %s is not an HTTP request object", requestBinding)
	}
	r := httpRequest{Method: wire.Method, query: map[string]string{}}
	if len(wire.Body) > 0 && string(wire.Body) != "null" {
		r.Body, r.HasBody = invoke.String(wire.Body), true
	}
	r.readQuery(wire.Query, wire.URL)
	return r, nil
}

// readQuery fills the query from Query, else from Url's query string.
func (r *httpRequest) readQuery(raw json.RawMessage, rawURL string) {
	var values map[string]any
	if text := invoke.String(raw); text != "" && json.Unmarshal([]byte(text), &values) == nil && len(values) > 0 {
		for k, v := range values {
			if s, ok := v.(string); ok {
				r.query[k] = s
			}
		}
		return
	}
	if u, err := url.Parse(rawURL); err == nil {
		for k, v := range u.Query() {
			if len(v) > 0 {
				r.query[k] = v[0]
			}
		}
	}
}

// validationToken returns the validationtoken query parameter, whatever
// its case (SharePoint's documentation has used both validationtoken and
// validationToken).
func (r httpRequest) validationToken() (string, bool) {
	for k, v := range r.query {
		if strings.EqualFold(k, "validationtoken") {
			return v, true
		}
	}
	return "", false
}
