// Package sink delivers downloaded files to where they are wanted: a
// folder on the MIM server over WinRM, a blob container, or a local folder.
//
// Every sink streams the content through with bounded memory, and a file
// becomes visible under its final name only once all of it arrived and was
// verified; a failed or short stream leaves nothing under the final name.
// Names must have passed remotename.Check before they reach a sink.
package sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// File describes the file being delivered.
type File struct {
	Name    string    // a name that passed remotename.Check
	Size    int64     // the exact number of bytes the stream will carry
	ModTime time.Time // kept where the target can keep it
}

// The kinds of sink, as Kind reports them and the target settings name them.
const (
	KindWinRM = "winrm" // a folder on the MIM server, over WinRM
	KindBlob  = "blob"  // a blob container
	KindLocal = "local" // a folder on the machine running the binary
)

// Sink delivers files. Implementations are safe for concurrent use.
type Sink interface {
	// Put reads r to its end and makes the result visible as f.Name. Put
	// fails, leaving nothing under the final name, if r returns an error
	// or a byte count other than f.Size.
	Put(ctx context.Context, f File, r io.Reader) error
	// Kind names the sink in logs: winrm, blob or local.
	Kind() string
	// Where returns where a name ends up, for logs.
	Where(name string) string
}

// ErrSizeMismatch is wrapped when a stream is shorter or longer than
// announced.
var ErrSizeMismatch = errors.New("sink: size differs from the listing")

// copyBufferSize is the chunk size of streaming copies.
const copyBufferSize = 256 << 10

// buffers reuses copy buffers across files, so that thousands of small
// files do not each allocate one.
var buffers = sync.Pool{New: func() any {
	b := make([]byte, copyBufferSize)
	return &b
}}

func getBuffer() *[]byte  { return buffers.Get().(*[]byte) }
func putBuffer(b *[]byte) { buffers.Put(b) }

// exactReader passes on a stream that must be exactly left bytes long. It
// reports a clean end only then; a shorter or longer stream, or any error
// from below, becomes an error that cannot be mistaken for an end of input
// (io.ReadFull-based consumers treat io.ErrUnexpectedEOF as one), so an
// uploader that commits on a clean end never commits a partial file.
type exactReader struct {
	r    io.Reader
	left int64
}

// newExactReader returns r checked to be exactly size bytes long.
func newExactReader(r io.Reader, size int64) io.Reader { return &exactReader{r: r, left: size} }

// Read implements io.Reader.
func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case e.left < 0:
		return n, errSourceLonger
	case err == io.EOF && e.left > 0:
		return n, fmt.Errorf("sink: %w: the stream ended %d bytes short", ErrSizeMismatch, e.left)
	case err != nil && err != io.EOF:
		return n, fmt.Errorf("sink: source failed: %s", err.Error())
	}
	return n, err
}

var errSourceLonger = fmt.Errorf("sink: %w: the stream is longer than listed", ErrSizeMismatch)
