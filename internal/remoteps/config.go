package remoteps

import (
	"fmt"
	"log/slog"
	"time"
)

// Auth is how the client proves who it is.
type Auth string

// Authentication schemes. NTLM is what a Windows WinRM listener accepts by
// default; Basic is off on Windows servers unless someone turned it on.
const (
	AuthNTLM  Auth = "ntlm"
	AuthBasic Auth = "basic"
)

// Defaults of a Config.
const (
	// DefaultMaxEnvelopeSize is MaxEnvelopeSizekb 500, the Windows Server 2012+ default.
	DefaultMaxEnvelopeSize = 500 * 1024
	// DefaultOperationTimeout is the WinRM default (and MaxTimeoutms default).
	DefaultOperationTimeout = 60 * time.Second
	// MinMaxEnvelopeSize is the least MaxEnvelopeSizekb a Windows server
	// accepts (32, MS-WSMV 2.2.4.10). Below it the MaxEnvelopeSize the client
	// asks for would drop under 8192 octets, which servers fault with
	// wsman:EncodingLimit (MS-WSMV 3.1.4.1.7).
	MinMaxEnvelopeSize = 32 * 1024
	// requestSlack is what a request may take beyond the OperationTimeout:
	// the round trip and the server's own work.
	requestSlack = 15 * time.Second
	// responseHeadroom is how far an answer may exceed MaxEnvelopeSize
	// before it is refused. A server keeps its answer within the
	// MaxEnvelopeSize the request asks for, which is smaller still.
	responseHeadroom = 64 * 1024
)

// Config says how to reach a WinRM listener.
type Config struct {
	Host               string
	Port               int
	HTTPS              bool
	CACertPEM          []byte // certificates the listener's must chain to; nil = system roots
	InsecureSkipVerify bool   // no certificate check at all (warned about on every New)
	TLSServerName      string // name to check the certificate against, when Host is an address
	// CertSHA256 pins the listener's certificate: the SHA-256 of its DER,
	// as hex (colons and spaces allowed). When set, a connection is accepted
	// only if the server's leaf certificate has exactly this fingerprint;
	// its chain and names are not checked. It counts as verified TLS.
	CertSHA256     string
	User, Password string // DOMAIN\user, user@domain or a local user
	Auth           Auth   // default AuthNTLM
	// MaxEnvelopeSize is the server's MaxEnvelopeSizekb*1024. Requests are
	// sized to stay within it; default DefaultMaxEnvelopeSize.
	MaxEnvelopeSize int
	// OperationTimeout is how long one Receive may wait for output before
	// the server answers "no output yet"; default DefaultOperationTimeout.
	OperationTimeout time.Duration
	// RequestTimeout bounds one HTTP request, from sending it to the last
	// byte of its answer (headers and body); default OperationTimeout plus
	// requestSlack, so a Receive is answered by the server, never cut off.
	RequestTimeout time.Duration
}

// String implements fmt.Stringer without the password, so that a Config
// printed with %v or %+v never shows it.
func (c Config) String() string {
	password := ""
	if c.Password != "" {
		password = "(redacted)"
	}
	return fmt.Sprintf("{Host:%s Port:%d HTTPS:%t User:%s Password:%s Auth:%s CACertPEM:%d bytes InsecureSkipVerify:%t TLSServerName:%s CertSHA256:%s MaxEnvelopeSize:%d OperationTimeout:%s RequestTimeout:%s}",
		c.Host, c.Port, c.HTTPS, c.User, password, c.Auth, len(c.CACertPEM), c.InsecureSkipVerify, c.TLSServerName, c.CertSHA256, c.MaxEnvelopeSize, c.OperationTimeout, c.RequestTimeout)
}

// GoString implements fmt.GoStringer the same way, for %#v.
func (c Config) GoString() string { return "remoteps.Config" + c.String() }

// LogValue implements slog.LogValuer without the password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("host", c.Host), slog.Int("port", c.Port), slog.Bool("https", c.HTTPS),
		slog.String("user", c.User), slog.String("auth", string(c.Auth)), slog.Bool("insecure_skip_verify", c.InsecureSkipVerify),
		slog.String("tls_server_name", c.TLSServerName), slog.String("cert_sha256", c.CertSHA256))
}

func (c Config) withDefaults() Config {
	if c.Auth == "" {
		c.Auth = AuthNTLM
	}
	if c.MaxEnvelopeSize == 0 {
		c.MaxEnvelopeSize = DefaultMaxEnvelopeSize
	}
	if c.OperationTimeout == 0 {
		c.OperationTimeout = DefaultOperationTimeout
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = c.OperationTimeout + requestSlack
	}
	if c.Port == 0 {
		c.Port = 5985
		if c.HTTPS {
			c.Port = 5986
		}
	}
	return c
}
