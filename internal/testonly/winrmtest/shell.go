package winrmtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// shell is one open remote shell and its commands.
type shell struct {
	id       string
	commands map[string]*command
	dropped  bool // the service restarted: its requests get no answer
}

// command is one running or finished process.
type command struct {
	id     string
	stdin  *stdinPipe
	out    *output
	cancel context.CancelFunc
}

// terminatedExitCode is the exit code this server reports for a process
// stopped by a terminate signal or by deleting its shell.
const terminatedExitCode = 1

// terminate stops the process: its context ends, its stdin fails, and the
// command reports Done whether or not the machine has returned yet.
func (c *command) terminate() {
	c.cancel()
	c.stdin.end()
	c.out.finish(terminatedExitCode)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

func (s *Server) create(w http.ResponseWriter, r *request) {
	sh := &shell{id: newID(), commands: map[string]*command{}}
	s.mu.Lock()
	s.shells[sh.id] = sh
	s.mu.Unlock()
	body := fmt.Sprintf(`<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters>`+
		`<w:ResourceURI>%s</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet>`+
		`</a:ReferenceParameters></x:ResourceCreated><rsp:Shell><rsp:ShellId>%s</rsp:ShellId>`+
		`<rsp:ResourceUri>%s</rsp:ResourceUri><rsp:Owner>%s</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP>`+
		`<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>`+
		`<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>`,
		s.URL, shellResourceURI, sh.id, sh.id, shellResourceURI, xmlText(s.opts.User))
	writeEnvelope(w, http.StatusOK, "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", r.Header.MessageID, body)
}

// shellOf returns the request's shell, or writes the fault Windows sends
// for an unknown ShellId.
func (s *Server) shellOf(w http.ResponseWriter, r *request) *shell {
	id := r.selector("ShellId")
	s.mu.Lock()
	sh := s.shells[id]
	s.mu.Unlock()
	if sh == nil {
		writeFault(w, r.Header.MessageID, faultShellNotFound(id))
	}
	return sh
}

func (s *Server) delete(w http.ResponseWriter, r *request) {
	sh := s.shellOf(w, r)
	if sh == nil {
		return
	}
	s.mu.Lock()
	delete(s.shells, sh.id)
	cmds := sh.commands
	s.mu.Unlock()
	for _, c := range cmds {
		c.terminate()
	}
	writeEnvelope(w, http.StatusOK, "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", r.Header.MessageID, "")
}

func (s *Server) command(w http.ResponseWriter, r *request) {
	sh := s.shellOf(w, r)
	if sh == nil {
		return
	}
	if r.Body.CommandLine == nil {
		writeFault(w, r.Header.MessageID, faultInvalidParameter)
		return
	}
	line := strings.Join(append([]string{r.Body.CommandLine.Command}, r.Body.CommandLine.Arguments...), " ")
	if len(line) > createProcessLimit {
		writeFault(w, r.Header.MessageID, faultFilenameTooLong)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &command{id: newID(), stdin: newStdinPipe(), out: newOutput(), cancel: cancel}
	s.mu.Lock()
	sh.commands[c.id] = c
	s.mu.Unlock()
	p := &Process{CommandLine: line, Stdin: c.stdin, Stdout: streamWriter{o: c.out}, Stderr: streamWriter{o: c.out, stderr: true},
		ConsoleStdin: !strings.EqualFold(r.option("WINRS_CONSOLEMODE_STDIN"), "FALSE")}
	viaCmd := !strings.EqualFold(r.option("WINRS_SKIP_CMD_SHELL"), "TRUE")
	go s.runProcess(ctx, c, p, viaCmd)
	body := fmt.Sprintf(`<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>`, c.id)
	writeEnvelope(w, http.StatusOK, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse", r.Header.MessageID, body)
}

// runProcess runs a command on the machine, through cmd.exe's line limit
// unless the client asked to skip cmd.exe.
func (s *Server) runProcess(ctx context.Context, c *command, p *Process, viaCmd bool) {
	if viaCmd && len(p.CommandLine) > cmdLineLimit {
		_, _ = p.Stderr.Write([]byte(cmdLineTooLong))
		c.stdin.end()
		c.out.finish(1)
		return
	}
	if s.opts.StartCost > 0 {
		select {
		case <-time.After(s.opts.StartCost):
		case <-ctx.Done():
			c.stdin.end()
			c.out.finish(terminatedExitCode)
			return
		}
	}
	code := s.opts.Machine.Run(ctx, p)
	c.stdin.end()
	c.out.finish(code)
}

// commandOf returns the shell's command with that id, or writes a fault.
func (s *Server) commandOf(w http.ResponseWriter, r *request, sh *shell, id string) *command {
	s.mu.Lock()
	c := sh.commands[id]
	s.mu.Unlock()
	if c == nil {
		writeFault(w, r.Header.MessageID, faultInvalidParameter)
	}
	return c
}

func (s *Server) send(w http.ResponseWriter, r *request) {
	sh := s.shellOf(w, r)
	if sh == nil {
		return
	}
	if r.Body.Send == nil {
		writeFault(w, r.Header.MessageID, faultInvalidParameter)
		return
	}
	for _, st := range r.Body.Send.Streams {
		c := s.commandOf(w, r, sh, st.CommandID)
		if c == nil {
			return
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(st.Data))
		if err != nil || st.Name != "stdin" {
			writeFault(w, r.Header.MessageID, faultInvalidParameter)
			return
		}
		s.countStdin(len(data))
		c.stdin.write(data, st.End == "true")
	}
	writeEnvelope(w, http.StatusOK, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SendResponse", r.Header.MessageID, `<rsp:SendResponse/>`)
}

// receive answers with the output that is ready, waiting for some up to the
// OperationTimeout (capped by MaxTimeout); with none by then it faults with
// w:TimedOut, and the client is expected to ask again (MS-WSMV 3.1.4.14).
func (s *Server) receive(w http.ResponseWriter, r *request) {
	sh := s.shellOf(w, r)
	if sh == nil {
		return
	}
	if r.Body.Receive == nil {
		writeFault(w, r.Header.MessageID, faultInvalidParameter)
		return
	}
	c := s.commandOf(w, r, sh, r.Body.Receive.DesiredStream.CommandID)
	if c == nil {
		return
	}
	timeout := r.operationTimeout()
	if timeout <= 0 || timeout > s.opts.MaxTimeout {
		timeout = s.opts.MaxTimeout
	}
	envelope := s.opts.MaxEnvelopeSize
	if n := r.maxEnvelope(); n > 0 && n < envelope {
		envelope = n
	}
	limit := max((envelope-envelopeOverhead)*3/4, 1024)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if s.dropped(sh) {
			panic(http.ErrAbortHandler) // the connection drops without an answer
		}
		ch, ok, wait := c.out.take(limit)
		if ok {
			writeEnvelope(w, http.StatusOK, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse",
				r.Header.MessageID, receiveBody(c.id, ch))
			return
		}
		select {
		case <-wait:
		case <-deadline.C:
			s.mu.Lock()
			s.stats.TimedOut++
			s.mu.Unlock()
			writeFault(w, r.Header.MessageID, faultTimedOut)
			return
		}
	}
}

// dropped reports that a restart of the service dropped the shell.
func (s *Server) dropped(sh *shell) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sh.dropped
}

func receiveBody(id string, ch chunk) string {
	var b strings.Builder
	b.WriteString(`<rsp:ReceiveResponse>`)
	end := ""
	if ch.done {
		end = ` End="true"`
	}
	for _, st := range []struct {
		name string
		data []byte
	}{{"stdout", ch.stdout}, {"stderr", ch.stderr}} {
		if len(st.data) > 0 || ch.done {
			fmt.Fprintf(&b, `<rsp:Stream Name="%s" CommandId="%s"%s>%s</rsp:Stream>`, st.name, id, end, base64.StdEncoding.EncodeToString(st.data))
		}
	}
	if ch.done {
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>%d</rsp:ExitCode></rsp:CommandState>`, id, stateDone, ch.exitCode)
	} else {
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"/>`, id, stateRunning)
	}
	b.WriteString(`</rsp:ReceiveResponse>`)
	return b.String()
}

// signal handles terminate (and ctrl_c, treated alike): the process stops;
// a finished command accepts the signal too.
func (s *Server) signal(w http.ResponseWriter, r *request) {
	sh := s.shellOf(w, r)
	if sh == nil {
		return
	}
	if r.Body.Signal == nil {
		writeFault(w, r.Header.MessageID, faultInvalidParameter)
		return
	}
	c := s.commandOf(w, r, sh, r.Body.Signal.CommandID)
	if c == nil {
		return
	}
	c.terminate()
	writeEnvelope(w, http.StatusOK, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse", r.Header.MessageID, `<rsp:SignalResponse/>`)
}
