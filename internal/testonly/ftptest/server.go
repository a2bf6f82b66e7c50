package ftptest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ftpserver "github.com/fclairamb/ftpserverlib"
	"github.com/spf13/afero"
)

// Mode is how a Server protects connections.
type Mode string

// Server modes.
const (
	Plain    Mode = "none"
	Explicit Mode = "explicit" // AUTH TLS required before login
	Implicit Mode = "implicit"
)

// Options configure a Server.
type Options struct {
	Mode     Mode   // Plain when empty
	Dir      string // folder served as the root; required
	User     string // "user" when empty
	Password string // "password" when empty
	// Hostile names are listed in every directory next to the real files,
	// as files of HostileSize bytes. They cannot be downloaded.
	Hostile []string
	// Cert is used for TLS; a fresh one is made when nil.
	Cert *Cert
}

// HostileSize is the listed size of every hostile entry.
const HostileSize = 42

// Server is an in-process FTP server on 127.0.0.1.
type Server struct {
	Addr     string // 127.0.0.1:port
	Dir      string
	User     string
	Password string
	Mode     Mode
	Cert     *Cert

	srv        *ftpserver.FtpServer
	driver     *mainDriver
	dropAfter  atomic.Int64 // >0: cut every download after this many bytes
	stallAfter atomic.Int64 // >0: stop sending after this many bytes, keeping the connection
	stallFiles sync.Map     // file name -> int64 bytes after which that file's downloads stall
	closed     chan struct{}
	drops      atomic.Int64
	logins     atomic.Int64
	handshakes atomic.Int64
	resumed    atomic.Int64
}

// DefaultHostileNames are names a malicious or broken server might list.
var DefaultHostileNames = []string{
	"../../evil.txt", "/etc/abs.txt", `..\..\win.txt`, "CON", "nul.csv", "bad\x01name.csv",
	"trailing.", "what?.csv", "trailing ", "LPT1.txt", "nul\x00byte.csv", strings.Repeat("x", 252) + ".csv",
	// 8.3 short names, which on an NTFS volume can stand for another file,
	// and names disguised with invisible format characters (category Cf).
	"STAFF~1.CSV", "PROGRA~1", "invoice\u202Efdp.exe", "zero\u200Bwidth.csv", "\uFEFFbom.csv",
}

// Start runs a server until Close.
func Start(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("ftptest: Options.Dir is required")
	}
	s := &Server{Dir: opts.Dir, User: opts.User, Password: opts.Password, Mode: opts.Mode, Cert: opts.Cert,
		closed: make(chan struct{})}
	if s.User == "" {
		s.User = "user"
	}
	if s.Password == "" {
		s.Password = "password"
	}
	if s.Mode == "" {
		s.Mode = Plain
	}
	if s.Cert == nil && s.Mode != Plain {
		c, err := NewCert()
		if err != nil {
			return nil, err
		}
		s.Cert = c
	}
	d := &mainDriver{server: s}
	d.hostile.Store(&opts.Hostile)
	s.driver = d
	if s.Cert != nil {
		d.tls = &tls.Config{Certificates: []tls.Certificate{s.Cert.TLS}, MinVersion: tls.VersionTLS12,
			VerifyConnection: func(cs tls.ConnectionState) error {
				s.handshakes.Add(1)
				if cs.DidResume {
					s.resumed.Add(1)
				}
				return nil
			}}
	}
	s.srv = ftpserver.NewFtpServer(d)
	if err := s.srv.Listen(); err != nil {
		return nil, fmt.Errorf("ftptest: listen: %w", err)
	}
	s.Addr = s.srv.Addr()
	go func() { _ = s.srv.Serve() }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	return s.srv.Stop()
}

// StallAfter makes every following download go silent after n bytes, with
// both connections left open, as a hung server does; 0 turns it off.
func (s *Server) StallAfter(n int64) { s.stallAfter.Store(n) }

// StallFile makes the following downloads of the file called name (in any
// folder) go silent after n bytes, as StallAfter does for all; 0 turns it
// off.
func (s *Server) StallFile(name string, n int64) {
	if n <= 0 {
		s.stallFiles.Delete(name)
		return
	}
	s.stallFiles.Store(name, n)
}

// DropAfter makes every following download stop after n bytes, with the
// control connection closed; 0 turns it off.
func (s *Server) DropAfter(n int64) { s.dropAfter.Store(n) }

// Drops returns how many downloads were cut.
func (s *Server) Drops() int64 { return s.drops.Load() }

// TLSHandshakes returns how many TLS handshakes the server completed, and
// how many of them resumed an earlier session.
func (s *Server) TLSHandshakes() (total, resumed int64) {
	return s.handshakes.Load(), s.resumed.Load()
}

// SetHostile replaces the hostile names (see Options.Hostile) listed to
// clients that log in from now on.
func (s *Server) SetHostile(names []string) { s.driver.hostile.Store(&names) }

// Logins returns how many logins succeeded.
func (s *Server) Logins() int64 { return s.logins.Load() }

// mainDriver implements ftpserver.MainDriver.
type mainDriver struct {
	server  *Server
	hostile atomic.Pointer[[]string] // listed to clients that log in from now on
	tls     *tls.Config
}

// GetSettings implements ftpserver.MainDriver: loopback only, passive only.
func (d *mainDriver) GetSettings() (*ftpserver.Settings, error) {
	st := &ftpserver.Settings{
		ListenAddr:          "127.0.0.1:0",
		PublicHost:          "127.0.0.1",
		IdleTimeout:         900,
		ConnectionTimeout:   30,
		DefaultTransferType: ftpserver.TransferTypeBinary,
		DisableActiveMode:   true,
	}
	switch d.server.Mode {
	case Explicit:
		st.TLSRequired = ftpserver.MandatoryEncryption
	case Implicit:
		st.TLSRequired = ftpserver.ImplicitEncryption
	}
	return st, nil
}

// ClientConnected implements ftpserver.MainDriver.
func (d *mainDriver) ClientConnected(ftpserver.ClientContext) (string, error) {
	return "tenantops test server", nil
}

// ClientDisconnected implements ftpserver.MainDriver.
func (d *mainDriver) ClientDisconnected(ftpserver.ClientContext) {}

// AuthUser implements ftpserver.MainDriver: one user, one password.
func (d *mainDriver) AuthUser(cc ftpserver.ClientContext, user, pass string) (ftpserver.ClientDriver, error) {
	if user != d.server.User || pass != d.server.Password {
		return nil, errors.New("bad user or password")
	}
	d.server.logins.Add(1)
	return &clientDriver{Fs: afero.NewBasePathFs(afero.NewOsFs(), d.server.Dir), cc: cc, server: d.server, hostile: *d.hostile.Load()}, nil
}

// GetTLSConfig returns the same configuration every time: a fresh one
// would carry fresh session ticket keys and defeat resumption.
func (d *mainDriver) GetTLSConfig() (*tls.Config, error) {
	if d.tls == nil {
		return nil, errors.New("ftptest: no TLS in plain mode")
	}
	return d.tls, nil
}

// WrapPassiveListener only lets loopback peers open data connections (the
// library listens on every interface).
func (d *mainDriver) WrapPassiveListener(l net.Listener) (net.Listener, error) {
	return loopbackOnly{l}, nil
}

type loopbackOnly struct{ net.Listener }

// Accept drops connections from anywhere but loopback.
func (l loopbackOnly) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if a, ok := c.RemoteAddr().(*net.TCPAddr); ok && a.IP.IsLoopback() {
			return c, nil
		}
		c.Close()
	}
}

// clientDriver is one logged-in client's file system.
type clientDriver struct {
	afero.Fs
	cc      ftpserver.ClientContext
	server  *Server
	hostile []string
}

// ReadDir lists the real directory plus the hostile names.
func (c *clientDriver) ReadDir(name string) ([]os.FileInfo, error) {
	infos, err := afero.ReadDir(c.Fs, name)
	if err != nil {
		return nil, err
	}
	for _, h := range c.hostile {
		infos = append(infos, fakeInfo{name: h})
	}
	return infos, nil
}

// OpenFile cuts downloads short when the server is told to.
func (c *clientDriver) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	f, err := c.Fs.OpenFile(name, flag, perm)
	if err != nil || flag != os.O_RDONLY {
		return f, err
	}
	if n := c.server.dropAfter.Load(); n > 0 {
		return &cutFile{File: f, left: n, cut: c.cut}, nil
	}
	if n := c.server.stallAfter.Load(); n > 0 {
		return &stallFile{File: f, left: n, until: c.server.closed}, nil
	}
	if n, ok := c.server.stallFiles.Load(path.Base(name)); ok {
		return &stallFile{File: f, left: n.(int64), until: c.server.closed}, nil
	}
	return f, nil
}

// Open implements afero.Fs through OpenFile.
func (c *clientDriver) Open(name string) (afero.File, error) {
	return c.OpenFile(name, os.O_RDONLY, 0)
}

// cut drops the client's connections, as a crashing server or a broken
// network would.
func (c *clientDriver) cut() {
	c.server.drops.Add(1)
	go c.cc.Close()
}

// cutFile returns an error after left bytes and cuts the connection.
type cutFile struct {
	afero.File
	left int64
	once sync.Once
	cut  func()
}

// Read implements io.Reader.
func (f *cutFile) Read(p []byte) (int, error) {
	if f.left <= 0 {
		f.once.Do(f.cut)
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.File.Read(p)
	f.left -= int64(n)
	return n, err
}

// stallFile blocks reads after left bytes until the server closes.
type stallFile struct {
	afero.File
	left  int64
	until <-chan struct{}
}

// Read implements io.Reader.
func (f *stallFile) Read(p []byte) (int, error) {
	if f.left <= 0 {
		<-f.until
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.File.Read(p)
	f.left -= int64(n)
	return n, err
}

// fakeInfo is a listed file that does not exist.
type fakeInfo struct{ name string }

// The methods of fakeInfo implement os.FileInfo.

func (f fakeInfo) Name() string       { return f.name }
func (f fakeInfo) Size() int64        { return HostileSize }
func (f fakeInfo) Mode() os.FileMode  { return 0o644 }
func (f fakeInfo) ModTime() time.Time { return time.Now().Add(-24 * time.Hour) }
func (f fakeInfo) IsDir() bool        { return false }
func (f fakeInfo) Sys() any           { return nil }
