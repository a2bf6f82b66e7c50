package ftptest

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// handle answers one command and reports whether the session goes on.
func (ss *scriptedSession) handle(verb, arg string) bool {
	sc := ss.srv.script
	switch verb {
	case "AUTH":
		ss.reply(orDefault(sc.AuthReply, "502 AUTH unsupported"))
	case "USER":
		ss.reply("331 password please")
	case "PASS":
		reply := orDefault(sc.PassReply, "230 logged in")
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
		ss.reply("502 Command unsupported")
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
	if _, ok := ss.srv.listing(dir); ok || dir == "/" {
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
	ss.reply(orDefault(ss.srv.script.DoneReply, "226 transfer complete"))
}

func (ss *scriptedSession) list(dir string) {
	lines, ok := ss.srv.listing(dir)
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
	if r := ss.srv.script.RetrReply; r != "" {
		ss.closePasv()
		ss.reply(r)
		return
	}
	data, ok := ss.srv.file(path)
	if !ok {
		ss.closePasv()
		ss.reply("550 " + path + ": No such file")
		return
	}
	ss.send(data)
}

func (ss *scriptedSession) size(path string) {
	data, ok := ss.srv.file(path)
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
