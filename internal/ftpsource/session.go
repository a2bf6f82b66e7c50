package ftpsource

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"regexp"
	"strings"
	"time"

	"github.com/jlaffaye/ftp"
)

// session is one logged-in control connection.
type session struct {
	conn      *ftp.ServerConn
	dialer    *connDialer
	home      string    // working directory after login, for relative paths
	idleSince time.Time // when it last went back to the pool
}

// dialSession connects and logs in. ctx bounds the whole setup: cancelling
// it closes the connection under a blocked call.
func dialSession(ctx context.Context, o Options) (*session, error) {
	d := &connDialer{ctx: context.WithoutCancel(ctx), mode: o.TLS, timeout: o.Timeout}
	// With a dial func the library's own dial timeout and context do not
	// apply; connDialer bounds the connect and every read and write.
	opts := []ftp.DialOption{ftp.DialWithDialFunc(d.dial)}
	if o.TLS != TLSNone {
		d.tls = o.tlsConfig()
		// The library does no TLS of its own with a dial func; these options
		// make it send AUTH TLS (explicit) and PBSZ 0 + PROT P after login.
		if o.TLS == TLSExplicit {
			opts = append(opts, ftp.DialWithExplicitTLS(d.tls))
		} else {
			opts = append(opts, ftp.DialWithTLS(d.tls))
		}
	}
	stop := context.AfterFunc(ctx, d.closeControl)
	defer stop()

	c, err := ftp.Dial(o.Addr, opts...)
	if err != nil {
		return nil, dialError(o, err, &d.progress)
	}
	if err := c.Login(o.User, o.Password); err != nil {
		_ = c.Quit()
		return nil, loginError(o, err)
	}
	home, err := c.CurrentDir()
	if err != nil {
		home = ""
	}
	if ctx.Err() != nil {
		_ = c.Quit()
		return nil, fmt.Errorf("ftpsource: connect to %s: %w", o.Addr, ctx.Err())
	}
	return &session{conn: c, dialer: d, home: home}, nil
}

// dialError explains a failed connect, naming the likely cause. Under
// explicit TLS the first command is AUTH TLS, so a refusal that came after
// something was sent is the server declining TLS, and one before it is the
// greeting itself.
func dialError(o Options, err error, progress *controlProgress) error {
	var tpe *textproto.Error
	var rec tls.RecordHeaderError
	reply := errors.As(err, &tpe)
	switch {
	case reply && (tpe.Code == ftp.StatusNotAvailable || saysTooMany(tpe.Msg)):
		return fmt.Errorf("ftpsource: connect to %s: %w: %d %s", o.Addr, ErrTooManyConnections, tpe.Code, tpe.Msg)
	case reply && o.TLS == TLSExplicit && progress.authSent.Load() && isAuthRefusal(tpe.Code):
		return fmt.Errorf("ftpsource: %s does not offer TLS (AUTH TLS answered %d %s); "+
			"set FTPTLS=none if plaintext is really intended: %w", o.Addr, tpe.Code, tpe.Msg, ErrNoTLS)
	case reply:
		return fmt.Errorf("ftpsource: connect to %s: the server refused: %d %s", o.Addr, tpe.Code, tpe.Msg)
	case errors.As(err, &rec) && o.TLS == TLSImplicit:
		return fmt.Errorf("ftpsource: %s did not answer with TLS on connect; use FTPTLS=explicit for "+
			"AUTH TLS on the plain port, or FTPTLS=none if plaintext is really intended: %w", o.Addr, ErrNoTLS)
	case isTimeout(err) && o.TLS != TLSImplicit && !progress.read.Load():
		return fmt.Errorf("ftpsource: connect to %s: no greeting within %s (a server that expects TLS from "+
			"the first byte, usually on port 990, stays silent: set FTPTLS=implicit if so): %w", o.Addr, o.Timeout, err)
	case isTimeout(err):
		return fmt.Errorf("ftpsource: connect to %s: no answer within %s: %w", o.Addr, o.Timeout, err)
	}
	return fmt.Errorf("ftpsource: connect to %s: %w", o.Addr, err)
}

// isAuthRefusal reports whether a reply during an explicit-TLS connect
// refused AUTH TLS: any failure other than 421, which is about connection
// limits.
func isAuthRefusal(code int) bool {
	return code >= 400 && code != ftp.StatusNotAvailable
}

// loginError explains a failed login. A server that repeats the password
// in its reply does not get its reply shown.
func loginError(o Options, err error) error {
	var tpe *textproto.Error
	reply := errors.As(err, &tpe)
	text := err.Error()
	if reply {
		text = fmt.Sprintf("%d %s", tpe.Code, tpe.Msg)
	}
	if o.Password != "" && strings.Contains(text, o.Password) {
		return fmt.Errorf("ftpsource: log in to %s as %q: refused (reply withheld: it repeats the password)", o.Addr, o.User)
	}
	switch {
	case reply && tpe.Code == ftp.StatusNotAvailable, saysTooMany(text):
		return fmt.Errorf("ftpsource: log in to %s: %w: %s", o.Addr, ErrTooManyConnections, text)
	case o.TLS == TLSNone && wantsTLS.MatchString(text):
		return fmt.Errorf("ftpsource: log in to %s as %q: %s; the server wants TLS: set FTPTLS=explicit "+
			"(or implicit)", o.Addr, o.User, text)
	case reply:
		return fmt.Errorf("ftpsource: log in to %s as %q: %s", o.Addr, o.User, text)
	}
	return fmt.Errorf("ftpsource: log in to %s as %q: %w", o.Addr, o.User, err)
}

// tooManyPattern matches the replies servers give when a connection limit
// is reached, whatever the code: 421 is the documented one, but ProFTPD's
// MaxClientsPerUser answers the login with 530 "Sorry, the maximum number
// of clients (n) for this user are already connected", and lftp watches
// for "Too many" or "No more" connections in any reply for this reason.
var tooManyPattern = regexp.MustCompile(`(?i)too many|no more connections|maximum number of (clients|connections|users)|connection limit`)

func saysTooMany(text string) bool { return tooManyPattern.MatchString(text) }

// wantsTLS matches the refusals of servers that require TLS before login
// (vsftpd: "530 Non-anonymous sessions must use encryption."; RFC 4217
// suggests 534 or 530 with a reason).
var wantsTLS = regexp.MustCompile(`(?i)\b(tls|ssl|encrypt\w*|secure)\b`)

// trustIdle is how long a connection may sit idle in the pool and still
// be reused without a NOOP first: servers end idle sessions after minutes
// (vsftpd's idle_session_timeout defaults to 300 s), and a NOOP per file
// would add a round trip to every transfer of a run.
const trustIdle = 10 * time.Second

// healthy reports whether a pooled connection may be reused: at once if it
// was in use moments ago, else if it answers NOOP.
func (s *session) healthy() bool {
	return time.Since(s.idleSince) < trustIdle || s.conn.NoOp() == nil
}

// close ends the session, politely if the server still listens.
func (s *session) close() {
	_ = s.conn.Quit()
	s.dialer.closeControl()
}

// ErrNoTLS is wrapped when the server offers no TLS in the mode asked for.
var ErrNoTLS = errors.New("server offers no TLS")

// ErrTooManyConnections is wrapped when the server refuses a connection
// because of a per-user or per-address limit: with 421, or with a reply
// that says so (tooManyPattern).
var ErrTooManyConnections = errors.New("server refused another connection: too many connections")

// ErrIncomplete is wrapped when a transfer ended early or with a different
// byte count than listed.
var ErrIncomplete = errors.New("incomplete transfer")

// broken reports whether a session must not be reused after err: any
// failure that is not a reply, and 421, with which a server announces
// that it closes the connection (RFC 959, 4.2).
func broken(err error) bool {
	return err != nil && (!isReply(err) || replyCode(err) == ftp.StatusNotAvailable)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
