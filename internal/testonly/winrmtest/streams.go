package winrmtest

import (
	"errors"
	"io"
	"sync"
)

// stdinLimit bounds the input a command holds before Send waits for the
// process to read it, as a pipe would.
const stdinLimit = 8 << 20

// errTerminated is what a terminated process gets from its stdin.
var errTerminated = errors.New("winrmtest: the process was terminated")

// stdinPipe carries Send data to a process. Writes wait while the process
// has more than stdinLimit unread bytes; once the process has ended or was
// terminated, writes are accepted and dropped.
type stdinPipe struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	closed bool // the client sent End
	gone   bool // the process ended or was terminated
}

func newStdinPipe() *stdinPipe {
	p := &stdinPipe{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *stdinPipe) write(data []byte, end bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) > stdinLimit && !p.gone {
		p.cond.Wait()
	}
	if !p.gone && !p.closed {
		p.buf = append(p.buf, data...)
	}
	if end {
		p.closed = true
	}
	p.cond.Broadcast()
}

// Read implements io.Reader for the process.
func (p *stdinPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && !p.closed && !p.gone {
		p.cond.Wait()
	}
	if p.gone {
		return 0, errTerminated
	}
	if len(p.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	if len(p.buf) == 0 {
		p.buf = nil
	}
	p.cond.Broadcast()
	return n, nil
}

// end marks the process as gone: readers and writers stop waiting.
func (p *stdinPipe) end() {
	p.mu.Lock()
	p.gone = true
	p.buf = nil
	p.cond.Broadcast()
	p.mu.Unlock()
}

// outputLimit bounds the output a command holds before the process's
// writes wait for Receive to take it, as writes to a full pipe do.
const outputLimit = 1 << 20

// output holds a process's stdout and stderr until Receive takes them.
type output struct {
	mu       sync.Mutex
	taken    *sync.Cond // signalled when Receive took output or the process ended
	stdout   []byte
	stderr   []byte
	done     bool
	exitCode int
	ready    chan struct{} // closed and replaced whenever something changes
}

func newOutput() *output {
	o := &output{ready: make(chan struct{})}
	o.taken = sync.NewCond(&o.mu)
	return o
}

func (o *output) notify() {
	close(o.ready)
	o.ready = make(chan struct{})
}

// finish records the exit code; Receive reports Done once output is drained.
func (o *output) finish(code int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.done {
		o.done, o.exitCode = true, code
		o.notify()
		o.taken.Broadcast()
	}
}

// streamWriter appends to one of the output streams.
type streamWriter struct {
	o      *output
	stderr bool
}

// Write implements io.Writer. Like a write to a pipe it returns once all
// of b was taken: it goes in pieces, each waiting while more than
// outputLimit bytes are waiting for Receive. It fails once the process was
// terminated.
func (w streamWriter) Write(b []byte) (int, error) {
	w.o.mu.Lock()
	defer w.o.mu.Unlock()
	n := 0
	for n < len(b) {
		for len(w.o.stdout)+len(w.o.stderr) > outputLimit && !w.o.done {
			w.o.taken.Wait()
		}
		if w.o.done {
			return n, errTerminated
		}
		piece := b[n:min(len(b), n+outputPiece)]
		if w.stderr {
			w.o.stderr = append(w.o.stderr, piece...)
		} else {
			w.o.stdout = append(w.o.stdout, piece...)
		}
		n += len(piece)
		w.o.notify()
	}
	return n, nil
}

// outputPiece is how much of one write goes to the output at a time.
const outputPiece = 64 << 10

// chunk is what one Receive response carries.
type chunk struct {
	stdout, stderr []byte
	done           bool
	exitCode       int
}

// take removes up to limit bytes of output. ok is false when there is
// nothing to report yet; wait on the returned channel.
func (o *output) take(limit int) (c chunk, ok bool, wait <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.stdout) == 0 && len(o.stderr) == 0 && !o.done {
		return chunk{}, false, o.ready
	}
	n := min(limit, len(o.stdout))
	c.stdout, o.stdout = o.stdout[:n:n], o.stdout[n:]
	m := min(limit-n, len(o.stderr))
	c.stderr, o.stderr = o.stderr[:m:m], o.stderr[m:]
	if o.done && len(o.stdout) == 0 && len(o.stderr) == 0 {
		c.done, c.exitCode = true, o.exitCode
	}
	o.taken.Broadcast()
	return c, true, nil
}
