package ftpsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jlaffaye/ftp"
)

// Reader streams one file from the server. Read returns io.EOF only after
// the server confirmed the transfer (its 226 reply) and exactly the listed
// number of bytes arrived; anything else ends in an error, so a sink that
// commits on io.EOF never commits a partial file.
type Reader struct {
	src     *Source
	sess    *session
	release func()
	resp    *ftp.Response
	path    string
	size    int64
	n       int64
	done    bool
	err     error
	ctx     context.Context
	unwatch func() bool // stops the cancellation watch
}

// Fetch starts the download of path, which the listing gave as size bytes.
// The caller must Close the Reader.
func (s *Source) Fetch(ctx context.Context, path string, size int64) (*Reader, error) {
	sess, release, err := s.pool.get(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := sess.conn.Retr(path)
	if err != nil {
		s.pool.put(sess, release, broken(err))
		return nil, fmt.Errorf("ftpsource: retrieve %q: %w", path, err)
	}
	r := &Reader{src: s, sess: sess, release: release, resp: resp, path: path, size: size, ctx: ctx}
	// A read blocked on the data connection returns at once when ctx ends.
	r.unwatch = context.AfterFunc(ctx, func() { _ = resp.SetDeadline(time.Unix(1, 0)) })
	return r, nil
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	if r.done {
		return 0, r.endErr()
	}
	n, err := r.resp.Read(p)
	r.n += int64(n)
	switch {
	case r.n > r.size:
		r.fail(fmt.Errorf("ftpsource: retrieve %q: %w: more than the %d bytes listed (still being written?)",
			r.path, ErrIncomplete, r.size))
		return n, r.err
	case errors.Is(err, io.EOF):
		r.finish()
		return n, r.endErr()
	case err != nil:
		if cerr := r.ctx.Err(); cerr != nil {
			err = cerr
		}
		r.fail(fmt.Errorf("ftpsource: retrieve %q after %d of %d bytes: %w", r.path, r.n, r.size, err))
		return n, r.err
	}
	return n, nil
}

func (r *Reader) endErr() error {
	if r.err != nil {
		return r.err
	}
	return io.EOF
}

// finish reads the server's verdict on the transfer and checks the count.
func (r *Reader) finish() {
	r.unwatch()
	closeErr := r.resp.Close()
	if positiveReply(closeErr) {
		closeErr = nil
	}
	r.done = true
	switch {
	case r.n != r.size && r.ctx.Err() != nil:
		r.err = fmt.Errorf("ftpsource: retrieve %q after %d of %d bytes: %w", r.path, r.n, r.size, r.ctx.Err())
	case r.n != r.size:
		r.err = fmt.Errorf("ftpsource: retrieve %q: %w: received %d of %d bytes", r.path, ErrIncomplete, r.n, r.size)
		if closeErr != nil {
			r.err = fmt.Errorf("%w (server: %v)", r.err, closeErr)
		}
	case closeErr != nil && isTimeout(closeErr):
		// Every byte arrived but the control connection went quiet, as NAT
		// boxes do to idle connections during long transfers: keep the file,
		// drop the connection.
		r.src.opts.Log.Warn("ftp server sent no transfer confirmation; all bytes arrived, keeping the file",
			"path", r.path, "bytes", r.n)
		r.src.pool.put(r.sess, r.release, true)
		return
	case closeErr != nil:
		r.err = fmt.Errorf("ftpsource: retrieve %q: server reported: %w", r.path, closeErr)
	}
	// After a failed transfer the server may still be closing the
	// connection (ftpserverlib does, vsftpd does not): do not reuse it.
	r.src.pool.put(r.sess, r.release, r.err != nil)
}

// fail ends a transfer that went wrong: the control connection is closed
// first so that closing the data connection does not wait for a reply.
func (r *Reader) fail(err error) {
	r.unwatch()
	r.err = err
	r.done = true
	r.sess.dialer.closeControl()
	_ = r.resp.Close()
	r.src.pool.put(r.sess, r.release, true)
}

// Close ends the transfer. Closing before the end aborts it and drops the
// connection.
func (r *Reader) Close() error {
	if !r.done {
		r.fail(fmt.Errorf("ftpsource: retrieve %q: %w: closed after %d of %d bytes", r.path, ErrIncomplete, r.n, r.size))
	}
	return nil
}
