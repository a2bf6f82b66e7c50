// Package winrmtest is a WinRM server for tests and the demo. It speaks the
// WS-Management remote shell protocol (MS-WSMV: Create, Command, Send,
// Receive, Signal, Delete) over HTTP or HTTPS, checks NTLM or Basic
// credentials, answers an oversized request with HTTP 413, a Receive with no
// output with the w:TimedOut fault, and an unknown shell with the fault
// Windows sends. A Machine supplied by the test stands in for the Windows
// host and runs each command; Host emulates the PowerShell side of remoteps.
// SetFault makes it a broken peer: one that sends headers and then stalls,
// sends a body that never ends, or never answers.
package winrmtest

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/remoteps"
)

// Options configure a Server. The zero value of each field is its default.
type Options struct {
	// User and Password are the one account the server accepts: "user",
	// "DOMAIN\user" or "user@domain.example". Default "MIMLAB\svc-backup"
	// with password "Backup-Pa55!".
	User, Password string
	// HTTPS serves TLS with a self-signed certificate (see CACertPEM).
	HTTPS bool
	// TLSNames are the names (DNS names or addresses) the certificate is
	// issued for. Default: 127.0.0.1, ::1 and example.com (httptest's).
	TLSNames []string
	// Basic also accepts Basic authentication (off on Windows by default).
	Basic bool
	// NoNTLM refuses NTLM (Negotiate) authentication.
	NoNTLM bool
	// MaxEnvelopeSize is MaxEnvelopeSizekb*1024: larger requests get HTTP
	// 413, and responses stay within it. Default 512000 (500 KB).
	MaxEnvelopeSize int
	// MaxTimeout is MaxTimeoutms: the longest a Receive waits for output.
	// Default 60 s.
	MaxTimeout time.Duration
	// Latency is added to every HTTP request, to model a network round trip.
	Latency time.Duration
	// StartCost is how long each command takes to start before it reads
	// its stdin or prints anything, as powershell.exe takes about a second
	// on a server. The Command response does not wait for it.
	StartCost time.Duration
	// Machine runs the commands. Default: a Host that serves uploads and
	// downloads on a Disk in a new temporary directory (see Server.Disk).
	Machine Machine
}

// Default account of a Server.
const (
	DefaultUser     = `MIMLAB\svc-backup`
	DefaultPassword = "Backup-Pa55!"
	domain          = "MIMLAB"
	computer        = "MIMSYNC01"
)

// Server is a running WinRM stand-in on a loopback address.
type Server struct {
	URL       string // http(s)://127.0.0.1:port/wsman
	Host      string // 127.0.0.1
	Port      int
	HTTPS     bool
	CACertPEM []byte // the TLS certificate, PEM; nil for HTTP
	Disk      *Disk  // the default machine's file system; nil with a custom Machine

	opts    Options
	http    *httptest.Server
	mu      sync.Mutex
	shells  map[string]*shell
	stats   Stats
	fault   Fault         // the armed fault, if any
	faulted int           // requests a fault answered
	closed  chan struct{} // closed by Close: faulted answers end
	once    sync.Once
}

// Stats counts what a server has received.
type Stats struct {
	Requests   int   // HTTP requests, authentication legs included
	Shells     int   // Create operations (shells made)
	Commands   int   // Command operations (processes started)
	Sends      int   // Send operations
	StdinBytes int64 // decoded stdin bytes
	TimedOut   int   // Receive operations answered with the w:TimedOut fault
}

// New starts a server. Close it when done.
func New(opts Options) (*Server, error) {
	if opts.User == "" {
		opts.User, opts.Password = DefaultUser, DefaultPassword
	}
	if opts.MaxEnvelopeSize == 0 {
		opts.MaxEnvelopeSize = 500 * 1024
	}
	if opts.MaxTimeout == 0 {
		opts.MaxTimeout = 60 * time.Second
	}
	s := &Server{opts: opts, shells: map[string]*shell{}, HTTPS: opts.HTTPS, closed: make(chan struct{})}
	if s.opts.Machine == nil {
		d, err := NewDisk("")
		if err != nil {
			return nil, err
		}
		s.Disk = d
		s.opts.Machine = &Host{Scripts: map[string]ScriptFunc{"upload": UploadScript(d), "download": DownloadScript(d), "uploads": UploadsScript(d)}}
	}
	s.http = httptest.NewUnstartedServer(s)
	s.http.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut short by Close are expected
	s.http.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, &connState{})
	}
	if opts.HTTPS {
		if len(opts.TLSNames) > 0 {
			cert, err := listenerCertificate(opts.TLSNames)
			if err != nil {
				return nil, err
			}
			s.http.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		}
		s.http.StartTLS()
		s.CACertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.http.Certificate().Raw})
	} else {
		s.http.Start()
	}
	addr := s.http.Listener.Addr().(*net.TCPAddr)
	s.Host, s.Port = addr.IP.String(), addr.Port
	scheme := "http"
	if opts.HTTPS {
		scheme = "https"
	}
	s.URL = scheme + "://" + net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) + "/wsman"
	return s, nil
}

// Start starts a server for a test and closes it when the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server, terminates every process, and removes the
// default machine's disk.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
	s.Restart()
	s.http.Close()
	if s.Disk != nil {
		_ = s.Disk.remove()
	}
}

// Restart does what restarting the WinRM service does: every process is
// terminated, every shell forgotten, every connection dropped; requests
// waiting for output get no answer.
func (s *Server) Restart() {
	s.mu.Lock()
	var cmds []*command
	for id, sh := range s.shells {
		sh.dropped = true
		for _, c := range sh.commands {
			cmds = append(cmds, c)
		}
		delete(s.shells, id)
	}
	s.mu.Unlock()
	for _, c := range cmds {
		c.terminate()
	}
	s.http.CloseClientConnections()
}

// DropConnections closes every client connection, as a network fault or
// a firewall's idle timeout does; shells and processes stay as they are.
func (s *Server) DropConnections() { s.http.CloseClientConnections() }

// User returns the account the server accepts.
func (s *Server) User() string { return s.opts.User }

// Password returns the account's password.
func (s *Server) Password() string { return s.opts.Password }

// MaxEnvelopeSize returns the server's limit on a request, in bytes.
func (s *Server) MaxEnvelopeSize() int { return s.opts.MaxEnvelopeSize }

// ClientConfig returns a remoteps configuration that reaches this server
// with its account, trusting its certificate.
func (s *Server) ClientConfig() remoteps.Config {
	auth := remoteps.AuthNTLM
	if s.opts.NoNTLM {
		auth = remoteps.AuthBasic
	}
	return remoteps.Config{Host: s.Host, Port: s.Port, HTTPS: s.HTTPS, CACertPEM: s.CACertPEM,
		User: s.opts.User, Password: s.opts.Password, Auth: auth, MaxEnvelopeSize: s.opts.MaxEnvelopeSize}
}

// OpenShells returns how many shells are open: created and not deleted.
func (s *Server) OpenShells() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.shells)
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Server) countStdin(n int) {
	s.mu.Lock()
	s.stats.Sends++
	s.stats.StdinBytes += int64(n)
	s.mu.Unlock()
}

// ServeHTTP implements http.Handler: the /wsman endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	s.mu.Lock()
	s.stats.Requests++
	s.mu.Unlock()
	if hr.URL.Path != "/wsman" {
		http.NotFound(w, hr)
		return
	}
	if hr.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, int64(s.opts.MaxEnvelopeSize)+1))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if len(body) > s.opts.MaxEnvelopeSize {
		_, _ = io.Copy(io.Discard, hr.Body)
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	if !s.authenticate(w, hr) {
		return
	}
	r, err := parseRequest(body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if s.answerFault(w, hr, r) {
		return
	}
	s.dispatch(w, r)
}

func (s *Server) dispatch(w http.ResponseWriter, r *request) {
	if n := r.maxEnvelope(); n > 0 && n < minMaxEnvelope {
		writeFault(w, r.Header.MessageID, faultEnvelopeTooSmall)
		return
	}
	switch r.Header.Action {
	case actionCreate:
		s.mu.Lock()
		s.stats.Shells++
		s.mu.Unlock()
		s.create(w, r)
	case actionDelete:
		s.delete(w, r)
	case actionCommand:
		s.mu.Lock()
		s.stats.Commands++
		s.mu.Unlock()
		s.command(w, r)
	case actionSend:
		s.send(w, r)
	case actionReceive:
		s.receive(w, r)
	case actionSignal:
		s.signal(w, r)
	default:
		writeFault(w, r.Header.MessageID, faultActionNotSupported(r.Header.Action))
	}
}

// String describes the server for logs.
func (s *Server) String() string { return fmt.Sprintf("winrmtest %s", s.URL) }
