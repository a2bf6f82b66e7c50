package identitytest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// RegisterCertificate lets clientID authenticate at the authority with an
// assertion signed by cert's key (an Entra app registration's certificate).
func (s *Server) RegisterCertificate(clientID string, cert *x509.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.certificates[clientID] = cert.Raw
}

// AuthorityHost is the https URL of the authority stand-in (azcore's
// cloud.Configuration.ActiveDirectoryAuthorityHost), started on first use.
func (s *Server) AuthorityHost() string { return s.startAuthority().URL + "/" }

// AuthorityClient is an HTTP client that trusts the authority's certificate.
func (s *Server) AuthorityClient() *http.Client { return s.startAuthority().Client() }

func (s *Server) startAuthority() *httptest.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authority == nil {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.serveOpenIDConfiguration)
		mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.serveClientCredentials)
		s.authority = httptest.NewTLSServer(mux)
	}
	return s.authority
}

func (s *Server) serveOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	base := "https://" + r.Host + "/" + r.PathValue("tenant")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"token_endpoint":         base + "/oauth2/v2.0/token",
		"authorization_endpoint": base + "/oauth2/v2.0/authorize",
		"issuer":                 base + "/v2.0",
	})
}

// serveClientCredentials answers the client credentials grant with a
// certificate-signed client assertion.
func (s *Server) serveClientCredentials(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeOAuthError(w, "unsupported_grant_type", "client_credentials expected")
		return
	}
	clientID := r.PostForm.Get("client_id")
	if r.PostForm.Get("client_secret") != "" {
		writeOAuthError(w, "invalid_client", "client secrets are not accepted here; use a certificate")
		return
	}
	endpoint := "https://" + r.Host + r.URL.Path
	if err := s.checkAssertion(r.PostForm.Get("client_assertion"), clientID, endpoint); err != nil {
		writeOAuthError(w, "invalid_client", "AADSTS700027: client assertion failed: "+err.Error())
		return
	}
	scope, ok := resourceScope(r.PostForm.Get("scope"))
	if !ok {
		writeOAuthError(w, "invalid_scope", "one <resource>/.default scope expected")
		return
	}
	token, expires := s.issue(strings.TrimSuffix(scope, "/.default"), clientID)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "access_token": token,
		"expires_in": int(time.Until(expires).Seconds()), "ext_expires_in": int(time.Until(expires).Seconds())})
}

// resourceScope finds the one <resource>/.default scope among the OpenID
// scopes (openid, profile, offline_access) a client may add.
func resourceScope(scopes string) (string, bool) {
	var found []string
	for _, scope := range strings.Fields(scopes) {
		switch scope {
		case "openid", "profile", "offline_access":
			continue
		}
		found = append(found, scope)
	}
	if len(found) != 1 || !strings.HasSuffix(found[0], "/.default") {
		return "", false
	}
	return found[0], true
}

// checkAssertion verifies the JWT client assertion: PS256 (or RS256) signed
// by the registered certificate named in x5t#S256 (or x5t), for this token
// endpoint, issued by and about the client, not expired.
func (s *Server) checkAssertion(assertion, clientID, endpoint string) error {
	s.mu.Lock()
	der, ok := s.certificates[clientID]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("no certificate registered for client %s", clientID)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return errors.New("malformed assertion")
	}
	var header struct {
		Alg     string `json:"alg"`
		X5t     string `json:"x5t"`
		X5tS256 string `json:"x5t#S256"`
	}
	var body struct {
		Aud string `json:"aud"`
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return err
	}
	if err := decodeSegment(parts[1], &body); err != nil {
		return err
	}
	if err := checkThumbprint(header.Alg, header.X5t, header.X5tS256, der); err != nil {
		return err
	}
	if err := verifyRSA(cert, header.Alg, parts[0]+"."+parts[1], parts[2]); err != nil {
		return err
	}
	switch {
	case body.Aud != endpoint:
		return fmt.Errorf("audience %q is not this token endpoint", body.Aud)
	case body.Iss != clientID || body.Sub != clientID:
		return errors.New("iss and sub must be the client id")
	case time.Now().Unix() >= body.Exp:
		return errors.New("assertion expired")
	}
	return nil
}

func decodeSegment(segment string, v any) error {
	data, err := b64.DecodeString(segment)
	if err != nil {
		return errors.New("malformed assertion")
	}
	return json.Unmarshal(data, v)
}

func checkThumbprint(alg, x5t, x5tS256 string, der []byte) error {
	sum256 := sha256.Sum256(der)
	sum1 := sha1.Sum(der)
	switch {
	case alg == "PS256" && sameThumbprint(x5tS256, sum256[:]):
		return nil
	case alg == "RS256" && sameThumbprint(x5t, sum1[:]):
		return nil
	}
	return errors.New("certificate thumbprint does not match the registered certificate")
}

// sameThumbprint accepts base64url (RFC 7515) and the padded standard
// base64 that MSAL sends; Entra accepts both.
func sameThumbprint(got string, sum []byte) bool {
	return got != "" && (got == b64.EncodeToString(sum) || got == base64.StdEncoding.EncodeToString(sum))
}

func verifyRSA(cert *x509.Certificate, alg, signingInput, signature string) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("only RSA certificates are supported")
	}
	sig, err := b64.DecodeString(signature)
	if err != nil {
		return errors.New("malformed signature")
	}
	digest := sha256.Sum256([]byte(signingInput))
	if alg == "PS256" {
		err = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	} else {
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	}
	if err != nil {
		return errors.New("signature does not verify with the registered certificate")
	}
	return nil
}

func writeOAuthError(w http.ResponseWriter, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}
