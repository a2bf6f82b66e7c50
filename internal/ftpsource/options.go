// Package ftpsource reads files from an FTP or FTPS server: it lists a
// directory and streams files out of it over a small pool of connections.
//
// It is built on github.com/jlaffaye/ftp and adds what that library leaves
// to its callers: a deadline on every read and write of the control and data
// connections (so a server that goes silent fails instead of hanging), one
// TLS session cache per connection (servers such as vsftpd refuse data
// connections that do not resume the control connection's session), a pool
// that checks a connection with NOOP before reusing it and shrinks when the
// server answers 421 to a new connection, a reader that only reports the
// end of a file once the server confirmed the transfer and the byte count
// matches the listing, a listing that reports the lines the library could
// not read (it drops them silently) and refuses to grow past a bound, and
// errors that name the likely cause (TLS mode, connection limits) without
// ever repeating the password.
package ftpsource

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// TLSMode says how the connection to the server is protected.
type TLSMode string

// The TLS modes of the FTPTLS setting.
const (
	TLSExplicit TLSMode = "explicit" // AUTH TLS on the plain port (FTPES), the default
	TLSImplicit TLSMode = "implicit" // TLS from the first byte (FTPS, usually port 990)
	TLSNone     TLSMode = "none"     // plaintext, only when really intended
)

// Defaults of Options.
const (
	DefaultTimeout        = time.Minute
	DefaultMaxConnections = 4
	defaultPort           = "21"
	defaultImplicitPort   = "990"
)

// Options configure a Source.
type Options struct {
	// Addr is host or host:port; the port defaults to 21, or 990 for
	// implicit TLS.
	Addr     string
	User     string
	Password string

	// TLS is the protection mode; empty means TLSExplicit.
	TLS TLSMode
	// TLSConfig is the base TLS configuration (RootCAs, MinVersion...). It is
	// cloned for every connection, which gets its own session cache and the
	// host of Addr as ServerName unless one is set.
	TLSConfig *tls.Config

	// Timeout bounds the TCP connect and every single read or write on the
	// control and data connections; DefaultTimeout when zero.
	Timeout time.Duration
	// MaxConnections is the most connections open at once, each carrying one
	// transfer; DefaultMaxConnections when zero.
	MaxConnections int

	// MaxListEntries is the most lines one listing may have;
	// DefaultMaxListEntries when zero.
	MaxListEntries int

	// Log receives warnings (pool shrinking, connections given up);
	// slog.Default when nil.
	Log *slog.Logger
}

// withDefaults returns a copy with every default applied, or an error when
// an option cannot work.
func (o Options) withDefaults() (Options, error) {
	if o.TLS == "" {
		o.TLS = TLSExplicit
	}
	switch o.TLS {
	case TLSExplicit, TLSImplicit, TLSNone:
	default:
		return o, fmt.Errorf("ftpsource: unknown TLS mode %q (want explicit, implicit or none)", o.TLS)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxListEntries <= 0 {
		o.MaxListEntries = DefaultMaxListEntries
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	addr := strings.TrimSpace(o.Addr)
	addr = strings.TrimPrefix(strings.TrimPrefix(addr, "ftps://"), "ftp://")
	addr = strings.TrimSuffix(addr, "/")
	if addr == "" {
		return o, fmt.Errorf("ftpsource: no server address")
	}
	if strings.Contains(addr, "@") {
		// Never echo it: the part before @ may hold a password.
		return o, fmt.Errorf("ftpsource: the server address carries a user name or password; " +
			"give the host alone and the credentials as user and password")
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		port := defaultPort
		if o.TLS == TLSImplicit {
			port = defaultImplicitPort
		}
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), port)
	}
	o.Addr = addr
	return o, nil
}

// host returns the host part of Addr.
func (o Options) host() string {
	h, _, _ := net.SplitHostPort(o.Addr)
	return h
}

// tlsConfig returns the TLS configuration of one connection: a clone of the
// base with ServerName set and a session cache of its own, shared by the
// control connection and its data connections so that they resume one
// session, and never shared with another connection.
func (o Options) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if o.TLSConfig != nil {
		cfg = o.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = o.host()
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(8)
	return cfg
}

// String describes the options without the password, so that printing
// them never reveals it.
func (o Options) String() string {
	return fmt.Sprintf("ftp %s as %q (TLS %s, timeout %s, %d connections)", o.Addr, o.User, o.TLS, o.Timeout, o.MaxConnections)
}

// LogValue implements slog.LogValuer with String, for the same reason.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }
