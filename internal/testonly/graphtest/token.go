package graphtest

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
)

// roundState is what a skip or delta token carries: the query of the
// round's first request and where the round stands. Tokens are sealed with
// AES-GCM, so a client can neither read, build nor alter one.
type roundState struct {
	Kind     string   `json:"k"`           // "skip" or "delta"
	Resource string   `json:"r"`           // users | groups
	Select   []string `json:"s,omitempty"` // selected properties; empty: the defaults
	All      bool     `json:"a,omitempty"` // no $select on groups: every property tracked
	Default  bool     `json:"d,omitempty"` // no $select: the resource's default properties
	Members  bool     `json:"m,omitempty"` // members tracked (groups)
	Manager  bool     `json:"g,omitempty"` // manager tracked (users)
	Owners   bool     `json:"w,omitempty"` // owners tracked (groups)
	Full     bool     `json:"u,omitempty"` // a round without a previous delta token
	From     uint64   `json:"f"`           // changes after this version
	To       uint64   `json:"t,omitempty"` // skip tokens: the version the round started at
	Cursor   cursor   `json:"c"`           // skip tokens: where the next page starts
	Epoch    int      `json:"e"`
	Issued   int64    `json:"i"` // Unix seconds
}

// cursor is a position in a round: pass 0 lists each object once, later
// passes list the further member slices of large groups (and repeats).
type cursor struct {
	Pass   int  `json:"p"`
	Object int  `json:"o"`
	Offset int  `json:"x,omitempty"` // member links of the current slice already sent
	More   bool `json:"n,omitempty"` // some object has something for the next pass
}

var b64 = base64.RawURLEncoding

var errBadToken = errors.New("token does not verify")

// sealToken encrypts and authenticates the state (AES-GCM): the client
// sees an opaque string it can neither read nor build.
func (s *Server) sealToken(st roundState) string {
	payload, _ := json.Marshal(st)
	nonce := randomBytes(s.aead.NonceSize())
	return b64.EncodeToString(s.aead.Seal(nonce, nonce, payload, nil))
}

func (s *Server) openToken(token string) (roundState, error) {
	data, err := b64.DecodeString(token)
	if err != nil || len(data) < s.aead.NonceSize() {
		return roundState{}, errBadToken
	}
	nonce, sealed := data[:s.aead.NonceSize()], data[s.aead.NonceSize():]
	payload, err := s.aead.Open(nil, nonce, sealed, nil)
	if err != nil {
		return roundState{}, errBadToken
	}
	var st roundState
	if err := json.Unmarshal(payload, &st); err != nil {
		return roundState{}, errBadToken
	}
	return st, nil
}

func newAEAD(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // a 32-byte key never fails
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}
