package identitytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// claims are the access token claims the stand-ins issue and check.
type claims struct {
	Audience  string   `json:"aud"`
	Issuer    string   `json:"iss"`
	AppID     string   `json:"appid"`
	TenantID  string   `json:"tid"`
	IssuedAt  int64    `json:"iat"`
	NotBefore int64    `json:"nbf"`
	Expires   int64    `json:"exp"`
	Roles     []string `json:"roles"`
}

var b64 = base64.RawURLEncoding

// issue signs an access token for audience (HS256 with the server's key).
func (s *Server) issue(audience, appID string) (string, time.Time) {
	now := time.Now()
	expires := now.Add(s.opts.TokenLifetime)
	c := claims{Audience: audience, Issuer: "https://sts.windows.net/" + s.opts.TenantID + "/",
		AppID: appID, TenantID: s.opts.TenantID, IssuedAt: now.Unix(), NotBefore: now.Add(-5 * time.Minute).Unix(),
		Expires: expires.Unix(), Roles: []string{"Sites.Selected"}}
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	payload, _ := json.Marshal(c)
	signingInput := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	s.mu.Lock()
	s.issued++
	s.mu.Unlock()
	return signingInput + "." + b64.EncodeToString(s.sign(signingInput)), expires
}

func (s *Server) sign(input string) []byte {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(input))
	return mac.Sum(nil)
}

// Verify checks that token was issued here, is current, and is for
// audience (scheme://host, compared without a trailing slash).
func (s *Server) Verify(token, audience string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("malformed token")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, s.sign(parts[0]+"."+parts[1])) {
		return errors.New("invalid signature")
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return errors.New("malformed token")
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return errors.New("malformed token")
	}
	now := time.Now().Unix()
	if now >= c.Expires || now < c.NotBefore {
		return errors.New("token expired or not yet valid")
	}
	if !strings.EqualFold(strings.TrimRight(c.Audience, "/"), strings.TrimRight(audience, "/")) {
		return fmt.Errorf("invalid audience Uri '%s'", c.Audience)
	}
	return nil
}
