package remoteps

import (
	"bufio"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/masterzen/winrm"
)

// uploadsName names uploads.ps1 in errors and logs.
const uploadsName = "uploads.ps1"

// closeWait bounds each wait of ending a process: for it to finish after
// its stdin was closed, and for its output loop after the terminate signal.
const closeWait = 15 * time.Second

// maxResultLine bounds one line of uploads.ps1's output.
const maxResultLine = 64 << 10

// uploadSession is one uploads.ps1 process on a shell and connections of
// its own. It receives one file at a time.
type uploadSession struct {
	c       *Client
	runCtx  context.Context // the Uploads' run
	hard    context.Context // ends the process's requests
	sess    *session
	shell   *winrm.Shell
	cmd     *winrm.Command
	stdin   *stdinWriter
	results chan string   // the "result:" payloads, closed when stdout ends
	ended   chan struct{} // closed when stdout ended
	endErr  error         // why stdout ended, when not at its end
	stderr  cappedBuffer
	errDone chan struct{} // closed when stderr ended
	broken  bool          // it must not receive another file
	buf     []byte        // the Send being composed
	line    []byte        // one encoded data line
}

// open starts a process: a shell, the bootstrap, and uploads.ps1 sent to it.
func (u *Uploads) open() (*uploadSession, error) {
	c := u.c
	sess, err := c.newSession(u.hard)
	if err != nil {
		return nil, err
	}
	shell, err := sess.winrm.CreateShell()
	if err != nil {
		sess.close()
		return nil, c.describe(uploadsName, "opening a shell", err)
	}
	cmd, err := shell.ExecuteWithContext(u.hard, bootstrapCommand)
	if err != nil {
		c.deleteShell(shell, uploadsName)
		sess.close()
		return nil, c.describe(uploadsName, "starting PowerShell", err)
	}
	s := &uploadSession{c: c, runCtx: u.ctx, hard: u.hard, sess: sess, shell: shell, cmd: cmd, stdin: &stdinWriter{cmd: cmd},
		results: make(chan string, 4), ended: make(chan struct{}), errDone: make(chan struct{}),
		stderr: cappedBuffer{max: maxStderr}, buf: make([]byte, 0, c.sendSize)}
	go s.readResults()
	go func() { defer close(s.errDone); _, _ = io.Copy(&s.stderr, cmd.Stderr) }()
	boot := base64.StdEncoding.EncodeToString([]byte(uploadsScript)) + "\n" + base64.StdEncoding.EncodeToString([]byte("{}")) + "\n"
	if _, err := s.stdin.Write([]byte(boot)); err != nil {
		_ = s.end(false)
		return nil, c.describe(uploadsName, "sending the script", s.sendFailure(err))
	}
	return s, nil
}

// deliver sends one file and waits for the host's answer about it.
func (s *uploadSession) deliver(ctx context.Context, f *outgoing) (UploadResult, error) {
	failed, err := s.send(ctx, f)
	if err != nil {
		s.broken = true
		return UploadResult{}, s.c.describe(uploadsName, "sending the file", err)
	}
	r, err := s.await(ctx)
	if err != nil {
		s.broken = true
		return UploadResult{}, err
	}
	if failed != nil {
		return UploadResult{}, failed
	}
	sum := hex.EncodeToString(f.hash.Sum(nil))
	if err := r.check(f.size, sum); err != nil {
		return UploadResult{}, err
	}
	return UploadResult{RemotePath: f.path, Size: f.size, SHA256: sum}, nil
}

// send writes the file's header, its data as base64 lines and its end line
// ("abort:" when the source failed or ctx ended: failed says why). The
// header and the first line go in one Send, before anything more is read
// from the source. err is a failed Send: the process cannot go on.
func (s *uploadSession) send(ctx context.Context, f *outgoing) (failed, err error) {
	s.buf = append(s.buf[:0], f.header...)
	chunk, eof := f.head, f.headEOF
	for first := true; ; first = false {
		if len(chunk) > 0 {
			if err := s.add(f, s.encode(chunk)); err != nil {
				return nil, err
			}
		}
		if first && !eof {
			if err := s.flush(f); err != nil {
				return nil, err
			}
		}
		if eof {
			break
		}
		if failed = cmp.Or(ctx.Err(), s.runCtx.Err()); failed != nil {
			break
		}
		n, rerr := fill(f.src, f.raw)
		if rerr != nil && rerr != io.EOF {
			failed = fmt.Errorf("reading the source after %d bytes: %w", f.size, rerr)
			break
		}
		chunk, eof = f.raw[:n], rerr == io.EOF
		f.hash.Write(chunk)
		f.size += int64(n)
	}
	closing := []byte("abort:\n")
	if failed == nil {
		closing = endLine(hex.EncodeToString(f.hash.Sum(nil)), f.size)
	}
	if err := s.add(f, closing); err != nil {
		return failed, err
	}
	return failed, s.flush(f)
}

// encode returns chunk as one base64 line.
func (s *uploadSession) encode(chunk []byte) []byte {
	n := base64.StdEncoding.EncodedLen(len(chunk))
	s.line = growTo(s.line, n+1)
	base64.StdEncoding.Encode(s.line, chunk)
	s.line[n] = '\n'
	return s.line
}

// add appends a line to the Send being composed, sending it first when
// the line would not fit.
func (s *uploadSession) add(f *outgoing, line []byte) error {
	if len(s.buf)+len(line) > s.c.sendSize {
		if err := s.flush(f); err != nil {
			return err
		}
	}
	s.buf = append(s.buf, line...)
	return nil
}

// flush sends what was composed, in one Send.
func (s *uploadSession) flush(f *outgoing) error {
	if len(s.buf) == 0 {
		return nil
	}
	f.tried = true
	_, err := s.stdin.Write(s.buf)
	s.buf = s.buf[:0]
	if err != nil {
		return s.sendFailure(err)
	}
	f.sent = true
	return nil
}

// sendFailure is the real cause of a failed Send, which masterzen reports
// only as a short write.
func (s *uploadSession) sendFailure(err error) error {
	if first := s.sess.tr.failure(); first != nil {
		return first
	}
	return err
}

// await waits for the answer about the file just sent. Once ctx or the
// run has ended it waits closeWait more: the file may be in place already,
// or the host may be removing an aborted one.
func (s *uploadSession) await(ctx context.Context) (resultLine, error) {
	var payload string
	var ok bool
	select {
	case payload, ok = <-s.results:
	case <-ctx.Done():
	case <-s.runCtx.Done():
	}
	if payload == "" && !ok {
		grace := time.NewTimer(closeWait)
		defer grace.Stop()
		select {
		case payload, ok = <-s.results:
		case <-grace.C:
			return resultLine{}, cmp.Or(ctx.Err(), s.runCtx.Err())
		case <-s.hard.Done():
			return resultLine{}, cmp.Or(ctx.Err(), s.runCtx.Err())
		}
	}
	if !ok {
		return resultLine{}, s.endCause()
	}
	var r resultLine
	if err := json.Unmarshal([]byte(payload), &r); err != nil {
		return r, fmt.Errorf("%s answered with an unreadable result %q: %w", uploadsName, payload, err)
	}
	return r, nil
}

// endCause says why the process's output ended before its answer.
func (s *uploadSession) endCause() error {
	if err := s.runCtx.Err(); err != nil {
		return err
	}
	if first := s.sess.tr.failure(); first != nil {
		return s.c.describe(uploadsName, "receiving the answer", first)
	}
	if s.endErr != nil {
		return s.c.describe(uploadsName, "receiving the answer", s.endErr)
	}
	s.cmd.Wait()
	<-s.errDone
	return &ExitError{Script: uploadsName, Code: s.cmd.ExitCode(), Stderr: ReadableStderr(s.stderr.String())}
}

// readResults passes the "result:" lines of stdout on, and keeps reading
// to the end so that the output loop never blocks.
func (s *uploadSession) readResults() {
	br := bufio.NewReaderSize(s.cmd.Stdout, 16<<10)
	var line []byte
	for {
		var err error
		line, err = readLine(br, line[:0], maxResultLine)
		if err != nil {
			if err != io.EOF {
				s.endErr = err
			}
			close(s.results)
			close(s.ended)
			_, _ = io.Copy(io.Discard, br)
			return
		}
		text := strings.TrimSpace(strings.TrimPrefix(string(line), "\ufeff"))
		payload, ok := strings.CutPrefix(text, "result:")
		if !ok {
			if text != "" {
				s.c.log.Debug("remoteps: uploads.ps1 printed something else than a result", "host", s.c.cfg.Host, "bytes", len(text))
			}
			continue
		}
		select {
		case s.results <- payload:
		default:
			s.c.log.Warn("remoteps: uploads.ps1 sent a result nobody waited for", "host", s.c.cfg.Host)
		}
	}
}

// hasEnded reports that the process's output ended: it can take no file.
func (s *uploadSession) hasEnded() bool {
	select {
	case <-s.ended:
		return true
	default:
		return false
	}
}

// end ends the process and deletes its shell. Cleanly, its stdin is
// closed and it is left to finish; it is then an error if it failed. In
// every case it gets the terminate signal, which also frees a finished one.
func (s *uploadSession) end(cleanly bool) error {
	var err error
	if cleanly && s.stdin.err == nil && !s.hasEnded() {
		if cerr := s.cmd.Stdin.Close(); cerr == nil {
			select {
			case <-s.ended:
			case <-time.After(closeWait):
				err = fmt.Errorf("remoteps: %s did not end within %s of its input's end; it was terminated", uploadsName, closeWait)
			}
		}
	}
	_ = s.cmd.Close()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
		if cleanly && err == nil && s.cmd.ExitCode() != 0 {
			<-s.errDone
			err = &ExitError{Script: uploadsName, Code: s.cmd.ExitCode(), Stderr: ReadableStderr(s.stderr.String())}
		}
	case <-time.After(closeWait):
	}
	s.c.deleteShell(s.shell, uploadsName)
	s.sess.close()
	return err
}
