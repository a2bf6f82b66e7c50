package remoteps

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Uploads delivers many files to the host through a bounded number of
// PowerShell processes: at most a given number at once, each on a shell and
// connections of its own, each receiving file after file on its stdin
// (uploads.ps1). Starting powershell.exe costs about a second on a server;
// with Uploads a run pays it once per process, not once per file.
//
// Every file keeps what Upload promises: it is written to a temporary name,
// checked on the host against the size and SHA-256 that were sent, and only
// then renamed into place; a file that fails fails alone, and the process
// goes on with the next. A process whose connection drops fails only the
// file it was receiving; the next file gets a new process. Uploads is safe
// for concurrent use; Close ends the processes and deletes their shells, as
// does cancelling the context it was made with. After a cancel, a file on
// its way is aborted (the host removes its temporary file) and the
// processes are closed as on Close; only what does not end within a grace
// period (closeWait) is terminated.
type Uploads struct {
	c        *Client
	ctx      context.Context // the run's: its end ends every process
	hard     context.Context // the processes' requests: ends a grace period after ctx
	hardStop context.CancelFunc
	slots    chan struct{}  // one per process that may run
	stop     func() bool    // stops watching ctx
	ended    sync.WaitGroup // processes not yet ended

	lines sync.Pool // *[]byte of one data line's worth, reused across files

	mu      sync.Mutex
	idle    []*uploadSession
	closed  bool
	started int     // processes started
	failed  []error // how processes that should have ended cleanly did not
}

// NewUploads returns an Uploads that runs at most processes PowerShell
// processes at once (at least one). It does no network I/O until the first
// Upload.
func (c *Client) NewUploads(ctx context.Context, processes int) *Uploads {
	u := &Uploads{c: c, ctx: ctx, slots: make(chan struct{}, max(processes, 1))}
	u.hard, u.hardStop = context.WithCancel(context.WithoutCancel(ctx))
	u.stop = context.AfterFunc(ctx, u.cancelled)
	return u
}

// lineBuffer returns a buffer for one data line's worth of a file.
func (u *Uploads) lineBuffer() *[]byte {
	if b, ok := u.lines.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, (u.c.sendSize-maxHeaderLine-2)/4*3)
	return &b
}

// Upload implements the same contract as Client.Upload, through one of the
// shared processes.
func (u *Uploads) Upload(ctx context.Context, src io.Reader, remotePath string) (UploadResult, error) {
	return u.UploadSized(ctx, src, remotePath, -1)
}

// UploadSized is Upload of a file announced as size bytes (-1: unknown);
// the host refuses it unless exactly that many arrive.
func (u *Uploads) UploadSized(ctx context.Context, src io.Reader, remotePath string, size int64) (UploadResult, error) {
	res, err := u.upload(ctx, src, remotePath, size)
	if err != nil {
		return UploadResult{}, fmt.Errorf("remoteps: upload to %s: %w", remotePath, err)
	}
	return res, nil
}

func (u *Uploads) upload(ctx context.Context, src io.Reader, remotePath string, size int64) (UploadResult, error) {
	if err := CheckRemotePath(remotePath); err != nil {
		return UploadResult{}, err
	}
	buf := u.lineBuffer()
	defer u.lines.Put(buf)
	f, err := newOutgoing(remotePath, size, src, *buf)
	if err != nil {
		return UploadResult{}, err
	}
	if err := u.acquire(ctx); err != nil {
		return UploadResult{}, err
	}
	defer func() { <-u.slots }()
	start := time.Now()
	if err := f.readHead(ctx); err != nil { // nothing has been sent: no process needed
		return UploadResult{}, err
	}
	for retried := false; ; retried = true {
		s, reused, err := u.take()
		if err != nil {
			return UploadResult{}, err
		}
		res, err := s.deliver(ctx, f)
		u.give(s)
		if err != nil && reused && !retried && f.untouched() {
			// The process had died while idle: nothing of this file reached
			// the host, and all of it that was read is still here.
			u.c.log.Debug("remoteps: an idle upload process had ended; starting another", "host", u.c.cfg.Host, "err", err.Error())
			continue
		}
		if err != nil {
			return UploadResult{}, err
		}
		res.Duration = time.Since(start)
		return res, nil
	}
}

// acquire waits for a free process slot.
func (u *Uploads) acquire(ctx context.Context) error {
	select {
	case u.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-u.ctx.Done():
		return u.ctx.Err()
	}
	u.mu.Lock()
	closed := u.closed
	u.mu.Unlock()
	if closed {
		<-u.slots
		return errors.New("the uploads were closed")
	}
	return nil
}

// take returns an idle process that is still running, or starts one.
func (u *Uploads) take() (s *uploadSession, reused bool, err error) {
	u.mu.Lock()
	for len(u.idle) > 0 {
		s = u.idle[len(u.idle)-1]
		u.idle = u.idle[:len(u.idle)-1]
		if !s.hasEnded() {
			u.mu.Unlock()
			return s, true, nil
		}
		s.broken = true
		go u.end(s, false)
	}
	if u.closed {
		u.mu.Unlock()
		return nil, false, errors.New("the uploads were closed")
	}
	u.started++
	u.ended.Add(1) // under the lock, so never while Close waits with none left
	u.mu.Unlock()
	s, err = u.open()
	if err != nil {
		u.mu.Lock()
		u.started--
		u.mu.Unlock()
		u.ended.Done()
	}
	return s, false, err
}

// give returns a process after a file: to the idle ones if it can take
// another, else it is ended.
func (u *Uploads) give(s *uploadSession) {
	u.mu.Lock()
	if !s.broken && !u.closed && u.ctx.Err() == nil {
		u.idle = append(u.idle, s)
		u.mu.Unlock()
		return
	}
	u.mu.Unlock()
	u.end(s, !s.broken)
}

// cancelled ends the idle processes when the run's context ends, and
// gives every process closeWait to end before it is terminated.
func (u *Uploads) cancelled() {
	u.mu.Lock()
	idle := u.idle
	u.idle = nil
	u.mu.Unlock()
	for _, s := range idle {
		go u.end(s, true)
	}
	time.AfterFunc(closeWait, u.hardStop)
}

// Close ends every process, idle ones at once (their stdin is closed, so
// they finish cleanly) and busy ones once their file is done, and deletes
// their shells. It returns how processes that should have ended cleanly
// did not.
func (u *Uploads) Close() error {
	u.stop()
	u.mu.Lock()
	u.closed = true
	idle := u.idle
	u.idle = nil
	u.mu.Unlock()
	for _, s := range idle {
		u.end(s, true)
	}
	u.ended.Wait()
	u.hardStop()
	u.mu.Lock()
	defer u.mu.Unlock()
	u.c.log.Debug("remoteps: uploads closed", "host", u.c.cfg.Host, "processes", u.started)
	return errors.Join(u.failed...)
}

// Processes returns how many PowerShell processes were started so far.
func (u *Uploads) Processes() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.started
}

// end ends a process and deletes its shell; cleanly (stdin closed, the
// script left to finish) when asked and possible.
func (u *Uploads) end(s *uploadSession, cleanly bool) {
	defer u.ended.Done()
	if err := s.end(cleanly); err != nil && u.ctx.Err() == nil {
		u.mu.Lock()
		u.failed = append(u.failed, err)
		u.mu.Unlock()
	}
}

// outgoing is one file on its way: its header line, the part of it read
// before any of it was sent, and what was read so far.
type outgoing struct {
	path    string
	header  []byte // "file:<base64 JSON>\n"
	src     io.Reader
	raw     []byte // one line's worth of data
	head    []byte // raw[:n] read before the first Send
	headEOF bool   // the head is the whole file
	sent    bool   // a Send with part of this file succeeded
	tried   bool   // a Send with part of this file was attempted
	size    int64
	hash    hash.Hash
}

// maxHeaderLine bounds a file's header line, so that it and one data line
// always fit one Send.
const maxHeaderLine = 8 << 10

// newOutgoing prepares a file; raw holds one data line's worth of it at a
// time.
func newOutgoing(remotePath string, size int64, src io.Reader, raw []byte) (*outgoing, error) {
	meta, err := json.Marshal(map[string]any{"path": remotePath, "size": size})
	if err != nil {
		return nil, err
	}
	header := []byte("file:" + base64.StdEncoding.EncodeToString(meta) + "\n")
	if len(header) > maxHeaderLine {
		return nil, fmt.Errorf("the remote path is too long (%d bytes)", len(remotePath))
	}
	return &outgoing{path: remotePath, header: header, src: src, raw: raw, hash: sha256.New()}, nil
}

// readHead reads the first line's worth of the file.
func (f *outgoing) readHead(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n, err := fill(f.src, f.raw)
	f.head, f.headEOF = f.raw[:n], err == io.EOF
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading the source after %d bytes: %w", n, err)
	}
	f.hash.Write(f.head)
	f.size = int64(n)
	return nil
}

// untouched reports that no Send of this file got through and nothing was
// read beyond its head, so it can go again, whole, to another process.
func (f *outgoing) untouched() bool { return !f.sent && f.tried }

// resultLine is a file's answer from uploads.ps1.
type resultLine struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Error  string `json:"error"`
}

// check compares the host's answer with what was sent.
func (r resultLine) check(size int64, sum string) error {
	if r.Error != "" {
		return &FileError{Message: r.Error}
	}
	if r.Size != size || !strings.EqualFold(r.SHA256, sum) {
		return fmt.Errorf("the host confirmed %d bytes with SHA-256 %s, but %d bytes with SHA-256 %s were sent",
			r.Size, r.SHA256, size, sum)
	}
	return nil
}

// FileError is a file the host refused or could not write, as
// uploads.ps1 reported it; the process goes on with the next file.
type FileError struct {
	Message string
}

// Error implements error.
func (e *FileError) Error() string { return "the host did not take the file: " + e.Message }

// endLine is the line that closes a file of size bytes with SHA-256 sum.
func endLine(sum string, size int64) []byte {
	return []byte("end:" + sum + ":" + strconv.FormatInt(size, 10) + "\n")
}
