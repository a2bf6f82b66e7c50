package sptest

import (
	"fmt"
	"net/http"
	"strings"
)

// serveHTTP counts the request, checks its bearer token, applies any
// injected fault, and routes it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.countRequest(r)
	f := formatOf(r)
	apiPath, ok := s.apiPath(r.URL.EscapedPath())
	if !ok {
		writeError(w, f, http.StatusNotFound, "-1, System.IO.FileNotFoundException", "File Not Found.")
		return
	}
	if !s.authorized(w, r) {
		return
	}
	if fault := s.takeFault(r.Method, r.URL.Path); fault != nil {
		writeFault(w, f, fault)
		return
	}
	s.route(w, r, apiPath)
}

// apiPath returns the escaped path after <site>/_api/, matched case-insensitively.
func (s *Server) apiPath(escaped string) (string, bool) {
	prefix := strings.ToLower(s.opts.SitePath + "/_api/")
	if !strings.HasPrefix(strings.ToLower(escaped), prefix) {
		return "", false
	}
	return escaped[len(prefix):], true
}

// authorized checks the bearer token and answers 401 the way SharePoint
// Online does when it is missing or not valid for this site.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	token, found := strings.CutPrefix(auth, "Bearer ")
	var reason string
	switch {
	case !found || strings.TrimSpace(token) == "":
		reason = "no bearer token"
	case s.opts.VerifyToken != nil:
		if err := s.opts.VerifyToken(token, s.origin); err != nil {
			reason = err.Error()
		}
	}
	if reason == "" {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="00000000-0000-0000-0000-000000000000",client_id="00000003-0000-0ff1-ce00-000000000000",trusted_issuers="00000001-0000-0000-c000-000000000000@*",authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"`)
	w.Header().Set("x-ms-diagnostics", fmt.Sprintf("3000003;reason=%q;category=\"invalid_client\"", reason))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error_description":"Invalid issuer or signature."}`))
	return false
}

// serveContextInfo answers POST /_api/contextinfo with a form digest.
func (s *Server) serveContextInfo(w http.ResponseWriter, f format) {
	info := entity{
		metadata: map[string]any{"type": "SP.ContextWebInformation"},
		fields: map[string]any{
			"FormDigestTimeoutSeconds": 1800,
			"FormDigestValue":          "0x" + strings.ReplaceAll(newGUID(), "-", "") + "," + s.now().Format("02 Jan 2006 15:04:05 -0700"),
			"LibraryVersion":           "16.0.0.0",
			"SiteFullUrl":              s.siteURL,
			"WebFullUrl":               s.siteURL,
		},
	}
	if f == verbose {
		writeJSON(w, f, http.StatusOK, map[string]any{"d": map[string]any{"GetContextWebInformation": info.render(f)}})
		return
	}
	writeJSON(w, f, http.StatusOK, info.render(f))
}
