package ftptest

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
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
	// AuthReply answers AUTH TLS; "502 AUTH not implemented" when empty.
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
	greeting := or(s.script.Greeting, "220 scripted")
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

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (ss *scriptedSession) reply(text string) {
	ss.w.WriteString(text + "\r\n")
	ss.w.Flush()
}

// handle answers one command and reports whether the session goes on.
func (ss *scriptedSession) handle(verb, arg string) bool {
	sc := ss.srv.script
	switch verb {
	case "AUTH":
		ss.reply(or(sc.AuthReply, "502 AUTH not implemented"))
	case "USER":
		ss.reply("331 password please")
	case "PASS":
		reply := or(sc.PassReply, "230 logged in")
		ss.reply(reply)
		return strings.HasPrefix(reply, "2") || strings.HasPrefix(reply, "5")
	case "FEAT":
		ss.feat()
	case "TYPE", "OPTS", "NOOP":
		ss.reply("200 ok")
	case "PWD":
		ss.reply(fmt.Sprintf("257 %q", ss.cwd))
	case "CWD":
		ss.cwdTo(arg)
	case "EPSV":
		ss.reply("500 EPSV not understood")
	case "PASV":
		ss.openPasv()
	case "LIST":
		ss.list(arg)
	case "RETR":
		ss.retr(arg)
	case "SIZE":
		ss.size(arg)
	case "MDTM":
		ss.mdtm(arg)
	case "QUIT":
		ss.reply("221 bye")
		return false
	default:
		ss.reply("502 not implemented")
	}
	return true
}

func (ss *scriptedSession) feat() {
	if ss.srv.script.Features == nil {
		ss.reply("500 FEAT not understood")
		return
	}
	lines := []string{"211-Features:"}
	for _, f := range ss.srv.script.Features {
		lines = append(lines, " "+f)
	}
	ss.reply(strings.Join(append(lines, "211 End"), "\r\n"))
}

func (ss *scriptedSession) cwdTo(dir string) {
	if _, ok := ss.srv.script.Listings[dir]; ok || dir == "/" {
		ss.cwd = dir
		ss.reply("250 ok")
		return
	}
	ss.reply("550 " + dir + ": No such file or directory")
}

func (ss *scriptedSession) openPasv() {
	ss.closePasv()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ss.reply("425 cannot listen")
		return
	}
	ss.pasv = ln
	port := ln.Addr().(*net.TCPAddr).Port
	ss.reply(fmt.Sprintf("227 Entering Passive Mode (127,0,0,1,%d,%d)", port/256, port%256))
}

func (ss *scriptedSession) closePasv() {
	if ss.pasv != nil {
		ss.pasv.Close()
		ss.pasv = nil
	}
}

// send writes data over the passive connection with the replies around it.
func (ss *scriptedSession) send(data string) {
	if ss.pasv == nil {
		ss.reply("425 use PASV first")
		return
	}
	ln := ss.pasv
	ss.pasv = nil
	defer ln.Close()
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	ss.reply("150 opening data connection")
	c, err := ln.Accept()
	if err != nil {
		ss.reply("425 no data connection")
		return
	}
	_, err = c.Write([]byte(data))
	c.Close()
	if err != nil {
		ss.reply("426 transfer aborted")
		return
	}
	ss.reply(or(ss.srv.script.DoneReply, "226 transfer complete"))
}

func (ss *scriptedSession) list(dir string) {
	lines, ok := ss.srv.script.Listings[dir]
	if !ok && !ss.srv.script.MissingDirEmpty {
		ss.closePasv()
		ss.reply("550 " + dir + ": No such file or directory")
		return
	}
	if ok && len(lines) == 0 && ss.srv.script.EmptyDirReply != "" {
		ss.closePasv()
		ss.reply(ss.srv.script.EmptyDirReply)
		return
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	ss.send(b.String())
}

func (ss *scriptedSession) retr(path string) {
	data, ok := ss.srv.script.Files[path]
	if !ok {
		ss.closePasv()
		ss.reply("550 " + path + ": No such file")
		return
	}
	ss.send(data)
}

func (ss *scriptedSession) size(path string) {
	data, ok := ss.srv.script.Files[path]
	if !ok {
		ss.reply("550 Could not get file size.")
		return
	}
	ss.reply("213 " + strconv.Itoa(len(data)))
}

func (ss *scriptedSession) mdtm(path string) {
	t, ok := ss.srv.script.ModTimes[path]
	if !ok || !hasFeature(ss.srv.script.Features, "MDTM") {
		ss.reply("550 Could not get file modification time.")
		return
	}
	ss.reply("213 " + t.UTC().Format("20060102150405"))
}

func hasFeature(features []string, name string) bool {
	for _, f := range features {
		if fields := strings.Fields(f); len(fields) > 0 && strings.EqualFold(fields[0], name) {
			return true
		}
	}
	return false
}
