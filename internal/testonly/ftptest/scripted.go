package ftptest

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// Script describes what a Scripted server answers. It speaks plain FTP
// only and lets a test reproduce the documented behaviour of servers that
// ftpserverlib does not imitate: no MLSD (LIST in Unix or MS-DOS/IIS
// style, times in the server's zone), no MDTM, a missing directory
// answered with 550 or with an empty success, and refusals of AUTH TLS or
// of a login.
type Script struct {
	// Features are the FEAT lines, e.g. "MDTM", "SIZE". No FEAT support
	// when nil (500).
	Features []string
	// Greeting is the first reply; "220 scripted" when empty.
	Greeting string
	// AuthReply answers AUTH TLS; "502 AUTH unsupported" when empty.
	AuthReply string
	// PassReply answers PASS; "230 logged in" when empty.
	PassReply string
	// Listings maps a directory path, exactly as the client sends it, to
	// the raw lines LIST sends for it.
	Listings map[string][]string
	// MissingDirEmpty makes LIST of an unknown directory an empty success
	// (vsftpd) instead of 550.
	MissingDirEmpty bool
	// EmptyDirReply, when set, answers LIST of a known but empty directory
	// instead of an empty listing (FileZilla Server: "550 Couldn't open
	// the file or directory"; others "550 No files found" or 450).
	EmptyDirReply string
	// Files maps a path, exactly as the client sends it, to its content.
	Files map[string]string
	// ModTimes maps a path to the time MDTM reports (in UTC).
	ModTimes map[string]time.Time
	// RetrReply, when set, answers every RETR instead of a transfer, e.g.
	// "425 Can't open data connection.".
	RetrReply string
	// DoneReply ends every transfer; "226 transfer complete" when empty.
	// RFC 959 (5.4) allows 250 as well after LIST and RETR.
	DoneReply string
}

// Scripted is a plain FTP server on 127.0.0.1 that answers from a Script.
type Scripted struct {
	Addr   string
	script Script
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	cmds   []string
}

// StartScripted starts a Scripted server.
func StartScripted(s Script) (*Scripted, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("ftptest: scripted: %w", err)
	}
	srv := &Scripted{Addr: ln.Addr().String(), script: s, ln: ln}
	go srv.accept()
	return srv, nil
}

// Commands returns the command verbs received so far, in order.
func (s *Scripted) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// SetListing replaces the lines LIST sends for dir from now on, as a
// server's listing changes when its files change or grow old (ls shows
// the date alone, not the time, for files over six months old).
func (s *Scripted) SetListing(dir string, lines []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	listings := make(map[string][]string, len(s.script.Listings)+1)
	for k, v := range s.script.Listings {
		listings[k] = v
	}
	listings[dir] = lines
	s.script.Listings = listings
}

// SetFile replaces the content RETR sends for path from now on.
func (s *Scripted) SetFile(path, content string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	files := make(map[string]string, len(s.script.Files)+1)
	for k, v := range s.script.Files {
		files[k] = v
	}
	files[path] = content
	s.script.Files = files
}

// file returns the content of path, and whether it exists.
func (s *Scripted) file(path string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.script.Files[path]
	return data, ok
}

// listing returns the lines LIST sends for dir, and whether dir exists.
func (s *Scripted) listing(dir string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lines, ok := s.script.Listings[dir]
	return lines, ok
}

// Close stops the server and drops its connections.
func (s *Scripted) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	return err
}

func (s *Scripted) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		go s.serve(c)
	}
}

// scriptedSession is one client of a Scripted server.
type scriptedSession struct {
	srv  *Scripted
	w    *bufio.Writer
	pasv net.Listener
	cwd  string
}

func (s *Scripted) serve(c net.Conn) {
	defer c.Close()
	sess := &scriptedSession{srv: s, w: bufio.NewWriter(c), cwd: "/"}
	defer sess.closePasv()
	greeting := orDefault(s.script.Greeting, "220 scripted")
	sess.reply(greeting)
	if !strings.HasPrefix(greeting, "2") {
		return
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		verb = strings.ToUpper(verb)
		s.mu.Lock()
		s.cmds = append(s.cmds, verb)
		s.mu.Unlock()
		if !sess.handle(verb, arg) {
			return
		}
	}
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// reply sends one reply; a multi-line one has its lines joined by CRLF.
func (ss *scriptedSession) reply(text string) {
	ss.w.WriteString(text + "\r\n")
	ss.w.Flush()
}
