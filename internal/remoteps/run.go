package remoteps

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/masterzen/winrm"
)

// Result is what a script printed and how it ended.
type Result struct {
	Stdout   string
	Stderr   string // readable: PowerShell's CLIXML error records turned into text
	ExitCode int
}

// Run runs a PowerShell script with input, marshalled to JSON, as its
// parameters: the script starts with param([string]$ParamsJson, $Lines)
// and reads them with ConvertFrom-Json. A non-zero exit code returns an
// *ExitError carrying the script's error text. Cancelling ctx terminates the
// script; the shell is deleted on every path.
func (c *Client) Run(ctx context.Context, script string, input any) (Result, error) {
	return c.run(ctx, script, input, streams{})
}

// feeder writes a script's own input to stdin, after its parameters.
type feeder func(ctx context.Context, w io.Writer) error

// reader reads a script's stdout as it arrives, to its end. An error it
// returns terminates the script.
type reader func(stdout io.Reader) error

// streams says how a run's stdin and stdout are handled beyond the
// script and its parameters: feed writes its own input (nil: none), read
// consumes stdout as it arrives (nil: it is collected into Result.Stdout).
type streams struct {
	feed feeder
	read reader
}

func (c *Client) run(ctx context.Context, script string, input any, st streams) (Result, error) {
	name := scriptName(script)
	params, err := marshalParams(input)
	if err != nil {
		return Result{}, fmt.Errorf("remoteps: %s: parameters: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("remoteps: %s: %w", name, err)
	}
	sess, err := c.newSession(ctx)
	if err != nil {
		return Result{}, err
	}
	defer sess.close()
	shell, err := sess.winrm.CreateShell()
	if err != nil {
		return Result{}, c.describe(name, "opening a shell", err)
	}
	defer c.deleteShell(shell, name)
	if err := ctx.Err(); err != nil { // cancelled while the shell was being made
		return Result{}, fmt.Errorf("remoteps: %s: %w", name, err)
	}
	cmd, err := shell.ExecuteWithContext(ctx, bootstrapCommand)
	if err != nil {
		return Result{}, c.describe(name, "starting PowerShell", err)
	}
	start := time.Now()
	out := collect(cmd, st.read) // before sending: a script may print while it reads
	s := c.sendInput(ctx, cmd, script, params, st.feed)
	if s.sendErr != nil {
		if first := sess.tr.failure(); first != nil {
			s.sendErr = first // the real cause behind masterzen's "short write"
		}
	}
	res, err := c.finish(ctx, name, cmd, out, s)
	c.log.Debug("remoteps: script ran", "script", name, "host", c.cfg.Host, "exit_code", res.ExitCode,
		"seconds", time.Since(start).Seconds(), "failed", err != nil)
	return res, err
}

func marshalParams(input any) ([]byte, error) {
	if input == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(input)
}

// sent is how sending stdin went.
type sent struct {
	feedErr error // the feeder failed (say, its source broke): stdin was closed early
	sendErr error // a Send failed: the command was terminated
}

// sendInput writes the script and its parameters, then the feeder's data,
// then closes stdin. A failed Send terminates the command, since the remote
// side would otherwise wait for input forever.
func (c *Client) sendInput(ctx context.Context, cmd *winrm.Command, script string, params []byte, feed feeder) sent {
	w := &stdinWriter{cmd: cmd}
	header := base64.StdEncoding.EncodeToString([]byte(script)) + "\n" + base64.StdEncoding.EncodeToString(params) + "\n"
	_, _ = w.Write([]byte(header))
	var s sent
	if feed != nil && w.err == nil {
		s.feedErr = feed(ctx, w)
	}
	if w.err == nil {
		w.err = cmd.Stdin.Close()
	}
	if w.err != nil {
		s.sendErr = w.err
		_ = cmd.Close()
	}
	return s
}

// stdinWriter remembers the first failed Send and writes nothing after it.
type stdinWriter struct {
	cmd *winrm.Command
	err error
}

// Write implements io.Writer.
func (w *stdinWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.cmd.Stdin.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// output gathers a command's stdout and stderr as they arrive.
type output struct {
	wg             sync.WaitGroup
	stdout         bytes.Buffer // what was collected, when there is no reader
	stderr         cappedBuffer
	outErr, errErr error // a failed Receive ends both streams with its error
	readErr        error // the reader's own failure
	stopped        bool  // the reader failed before the output ended, and the script was stopped
}

// maxStderr bounds the error text kept from one command.
const maxStderr = 1 << 20

func collect(cmd *winrm.Command, read reader) *output {
	o := &output{stderr: cappedBuffer{max: maxStderr}}
	o.wg.Add(2)
	go func() {
		defer o.wg.Done()
		if read == nil {
			_, o.outErr = io.Copy(&o.stdout, cmd.Stdout)
			return
		}
		src := &errorKeeper{r: cmd.Stdout}
		o.readErr = read(src)
		if o.readErr != nil && src.err == nil && !src.eof {
			o.stopped = true
			_ = cmd.Close() // nobody reads the rest: stop the script
		}
		_, _ = io.Copy(io.Discard, src) // drain, so the output loop never blocks
		if !o.stopped {
			o.outErr = src.err
		}
	}()
	go func() { defer o.wg.Done(); _, o.errErr = io.Copy(&o.stderr, cmd.Stderr) }()
	return o
}

// errorKeeper remembers how its reader ended: at io.EOF, or with the first
// other error (a failed Receive, as opposed to a failure of whoever reads).
type errorKeeper struct {
	r   io.Reader
	err error
	eof bool
}

// Read implements io.Reader.
func (e *errorKeeper) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	switch {
	case err == io.EOF:
		e.eof = true
	case err != nil && e.err == nil:
		e.err = err
	}
	return n, err
}

// cappedBuffer keeps the first max bytes written to it and counts the rest.
type cappedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int64
}

// Write implements io.Writer; it never fails.
func (c *cappedBuffer) Write(p []byte) (int, error) {
	keep := min(len(p), c.max-c.buf.Len())
	c.buf.Write(p[:keep])
	c.dropped += int64(len(p) - keep)
	return len(p), nil
}

// String returns what was kept, with a note of what was not.
func (c *cappedBuffer) String() string {
	if c.dropped == 0 {
		return c.buf.String()
	}
	return fmt.Sprintf("%s\n... (%d more bytes)", c.buf.String(), c.dropped)
}

// finish waits for the command and its output, and decides the error.
func (c *Client) finish(ctx context.Context, name string, cmd *winrm.Command, o *output, s sent) (Result, error) {
	cmd.Wait()
	o.wg.Wait()
	_ = cmd.Close() // Signal: the server may free the finished command
	// A UTF-8 console code page can put a byte order mark before the first
	// output; it is no part of what the script printed.
	stdout := strings.TrimPrefix(o.stdout.String(), "\ufeff")
	res := Result{Stdout: stdout, Stderr: ReadableStderr(o.stderr.String()), ExitCode: cmd.ExitCode()}
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("remoteps: %s: %w", name, ctx.Err())
	case s.sendErr != nil:
		return res, c.describe(name, "sending input", s.sendErr)
	case o.stopped: // the streams then end with "canceled": the reader's failure is the cause
		return res, fmt.Errorf("remoteps: %s: %w", name, o.readErr)
	case o.outErr != nil:
		return res, c.describe(name, "reading output", o.outErr)
	case o.errErr != nil:
		return res, c.describe(name, "reading output", o.errErr)
	case s.feedErr != nil:
		return res, fmt.Errorf("remoteps: %s: %w", name, s.feedErr)
	case res.ExitCode != 0:
		return res, &ExitError{Script: name, Code: res.ExitCode, Stderr: res.Stderr}
	case o.readErr != nil:
		return res, fmt.Errorf("remoteps: %s: %w", name, o.readErr)
	}
	return res, nil
}

// deleteShell deletes the shell, whatever happened to the command. A shell
// the server no longer knows (say, after a restart of the WinRM service) is
// already gone, which is what the Delete was for.
func (c *Client) deleteShell(shell *winrm.Shell, name string) {
	err := shell.Close()
	var he *httpError
	if errors.As(err, &he) && he.Fault != nil && he.Fault.shellNotFound() {
		c.log.Debug("remoteps: the shell was already gone", "script", name, "host", c.cfg.Host)
		return
	}
	if err != nil {
		c.log.Warn("remoteps: deleting the shell failed; it stays open on the server until its idle timeout",
			"script", name, "host", c.cfg.Host, "err", c.describe(name, "deleting the shell", err).Error())
	}
}
