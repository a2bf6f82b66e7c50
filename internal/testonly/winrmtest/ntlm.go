package winrmtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strings"
	"time"
	"unicode/utf16"

	//lint:ignore SA1019 NTLM's password key is MD4 by definition; nothing here relies on MD4 for security
	"golang.org/x/crypto/md4"
)

// The server side of NTLM (MS-NLMP): it answers a NEGOTIATE_MESSAGE with a
// CHALLENGE_MESSAGE and checks the NTLMv2 response of the AUTHENTICATE_MESSAGE
// against the account's password.

var ntlmSignature = []byte("NTLMSSP\x00")

// Negotiate flags of the challenge (MS-NLMP 2.2.2.5). No LM key, no key
// exchange, no signing or sealing: WinRM over HTTPS needs none of them.
const (
	flagUnicode          = 1 << 0
	flagRequestTarget    = 1 << 2
	flagNTLM             = 1 << 9
	flagAlwaysSign       = 1 << 15
	flagTargetTypeDomain = 1 << 16
	flagExtendedSession  = 1 << 19
	flagTargetInfo       = 1 << 23
	flagVersion          = 1 << 25
	flag128              = 1 << 29
	flag56               = 1 << 31
)

// AV_PAIR ids (MS-NLMP 2.2.2.1).
const (
	avEOL             = 0
	avNbComputerName  = 1
	avNbDomainName    = 2
	avDNSComputerName = 3
	avDNSDomainName   = 4
	avTimestamp       = 7
)

// ntlmMessageType returns the type of an NTLM message (1, 2 or 3), or 0.
func ntlmMessageType(msg []byte) uint32 {
	if len(msg) < 12 || !bytes.Equal(msg[:8], ntlmSignature) {
		return 0
	}
	return binary.LittleEndian.Uint32(msg[8:12])
}

// ntlmChallenge is one CHALLENGE_MESSAGE and the server challenge in it.
type ntlmChallenge struct {
	serverChallenge [8]byte
	message         []byte
}

// newChallenge builds a CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) for a domain.
func newChallenge(domain, computer string, now time.Time) (*ntlmChallenge, error) {
	c := &ntlmChallenge{}
	if _, err := rand.Read(c.serverChallenge[:]); err != nil {
		return nil, err
	}
	target := utf16le(domain)
	var info bytes.Buffer
	addAV := func(id uint16, value []byte) {
		_ = binary.Write(&info, binary.LittleEndian, id)
		_ = binary.Write(&info, binary.LittleEndian, uint16(len(value)))
		info.Write(value)
	}
	addAV(avNbDomainName, utf16le(domain))
	addAV(avNbComputerName, utf16le(computer))
	addAV(avDNSDomainName, utf16le(strings.ToLower(domain)+".test"))
	addAV(avDNSComputerName, utf16le(strings.ToLower(computer)+"."+strings.ToLower(domain)+".test"))
	addAV(avTimestamp, binary.LittleEndian.AppendUint64(nil, fileTime(now)))
	addAV(avEOL, nil)

	const headerLen = 56 // through the Version field
	flags := uint32(flagUnicode | flagRequestTarget | flagNTLM | flagAlwaysSign | flagTargetTypeDomain |
		flagExtendedSession | flagTargetInfo | flagVersion | flag128 | flag56)
	var m bytes.Buffer
	m.Write(ntlmSignature)
	_ = binary.Write(&m, binary.LittleEndian, uint32(2))
	writeField(&m, len(target), headerLen)
	_ = binary.Write(&m, binary.LittleEndian, flags)
	m.Write(c.serverChallenge[:])
	m.Write(make([]byte, 8)) // reserved
	writeField(&m, info.Len(), headerLen+len(target))
	m.Write([]byte{10, 0, 0x63, 0x45, 0, 0, 0, 15}) // version 10.0.17763, NTLM revision 15
	m.Write(target)
	m.Write(info.Bytes())
	c.message = m.Bytes()
	return c, nil
}

func writeField(w *bytes.Buffer, length, offset int) {
	_ = binary.Write(w, binary.LittleEndian, uint16(length))
	_ = binary.Write(w, binary.LittleEndian, uint16(length))
	_ = binary.Write(w, binary.LittleEndian, uint32(offset))
}

// fileTime is a Windows FILETIME: 100 ns intervals since 1601-01-01.
func fileTime(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + 116444736000000000
}

// ntlmAuthenticate is what the server reads from an AUTHENTICATE_MESSAGE.
type ntlmAuthenticate struct {
	domain, user string
	ntResponse   []byte
}

// parseAuthenticate reads an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3).
func parseAuthenticate(msg []byte) (*ntlmAuthenticate, error) {
	if ntlmMessageType(msg) != 3 || len(msg) < 64 {
		return nil, errors.New("not an AUTHENTICATE_MESSAGE")
	}
	field := func(at int) ([]byte, error) {
		n := int(binary.LittleEndian.Uint16(msg[at:]))
		off := int(binary.LittleEndian.Uint32(msg[at+4:]))
		if off+n > len(msg) {
			return nil, errors.New("field outside the message")
		}
		return msg[off : off+n], nil
	}
	nt, err := field(20)
	if err != nil {
		return nil, err
	}
	domain, err := field(28)
	if err != nil {
		return nil, err
	}
	user, err := field(36)
	if err != nil {
		return nil, err
	}
	return &ntlmAuthenticate{domain: fromUTF16le(domain), user: fromUTF16le(user), ntResponse: nt}, nil
}

// verify checks the NTLMv2 response (MS-NLMP 3.3.2): NTProofStr must be
// HMAC-MD5(NTOWFv2, ServerChallenge || temp), where temp is the rest of the
// response and NTOWFv2 = HMAC-MD5(MD4(password), UPPER(user) || domain).
func (a *ntlmAuthenticate) verify(c *ntlmChallenge, password string) bool {
	if len(a.ntResponse) < 16+28 {
		return false // an NTLMv1 response, or garbage: refused
	}
	nt := md4.New()
	nt.Write(utf16le(password))
	key := hmacMD5(nt.Sum(nil), utf16le(strings.ToUpper(a.user)+a.domain))
	proof := hmacMD5(key, c.serverChallenge[:], a.ntResponse[16:])
	return hmac.Equal(proof, a.ntResponse[:16])
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

func utf16le(s string) []byte {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(out[2*i:], u)
	}
	return out
}

func fromUTF16le(b []byte) string {
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(units))
}
