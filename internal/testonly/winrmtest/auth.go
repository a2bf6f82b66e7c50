package winrmtest

import (
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// connState is the authentication state of one TCP connection. NTLM
// authenticates a connection, not a request: once the handshake succeeds,
// later requests on the same connection need no Authorization header.
type connState struct {
	mu            sync.Mutex
	authenticated bool
	challenge     *ntlmChallenge
}

type connKey struct{}

// authenticate checks the request's credentials and, when they are missing
// or wrong, answers 401 with the schemes the server offers.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	conn, _ := r.Context().Value(connKey{}).(*connState)
	if conn == nil {
		conn = &connState{}
	}
	conn.mu.Lock()
	defer conn.mu.Unlock()
	if conn.authenticated {
		return true
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch strings.ToLower(scheme) {
	case "basic":
		if s.opts.Basic && s.basicOK(token) {
			return true
		}
	case "negotiate", "ntlm":
		if !s.opts.NoNTLM {
			return s.ntlm(w, conn, scheme, token)
		}
	}
	s.unauthorized(w)
	return false
}

func (s *Server) unauthorized(w http.ResponseWriter) {
	if !s.opts.NoNTLM {
		w.Header().Add("WWW-Authenticate", "Negotiate")
	}
	if s.opts.Basic {
		w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

func (s *Server) basicOK(token string) bool {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	user, password, _ := strings.Cut(string(raw), ":")
	return s.userMatches(user) && password == s.opts.Password
}

// ntlm runs one leg of the NTLM handshake on a connection.
func (s *Server) ntlm(w http.ResponseWriter, conn *connState, scheme, token string) bool {
	msg, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		s.unauthorized(w)
		return false
	}
	switch ntlmMessageType(msg) {
	case 1:
		c, err := newChallenge(domain, computer, time.Now())
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return false
		}
		conn.challenge = c
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(c.message))
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return false
	case 3:
		c := conn.challenge
		conn.challenge = nil
		a, err := parseAuthenticate(msg)
		if c != nil && err == nil && s.userMatches(a.user) && a.verify(c, s.opts.Password) {
			conn.authenticated = true
			return true
		}
	}
	s.unauthorized(w)
	return false
}

// userMatches reports whether a presented user name is the server's
// account: "user", "DOMAIN\user" or "user@domain", case-insensitively.
func (s *Server) userMatches(user string) bool {
	want := s.opts.User
	if i := strings.LastIndexByte(want, '\\'); i >= 0 {
		want = want[i+1:]
	}
	if i := strings.LastIndexByte(user, '\\'); i >= 0 {
		user = user[i+1:]
	}
	return strings.EqualFold(user, want) || strings.EqualFold(user, s.opts.User)
}
