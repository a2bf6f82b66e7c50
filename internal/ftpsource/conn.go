package ftpsource

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// deadlineConn sets a fresh deadline before every Read and Write, so that
// no single network operation can wait longer than timeout. It also
// replaces deadlines the library sets and never clears.
type deadlineConn struct {
	net.Conn
	timeout  time.Duration
	progress *controlProgress // nil on data connections
	expired  atomic.Bool      // a deadline in the past was set: stop for good
}

// SetDeadline implements net.Conn. A deadline in the past, which is how a
// cancelled transfer is stopped, sticks: later reads and writes fail at
// once instead of setting a fresh deadline.
func (c *deadlineConn) SetDeadline(t time.Time) error {
	if !t.IsZero() && !t.After(time.Now()) {
		c.expired.Store(true)
	}
	return c.Conn.SetDeadline(t)
}

// controlProgress records how far the control connection got, so that a
// failed connect can be explained: no greeting at all, a refused
// greeting, or a refused AUTH TLS.
type controlProgress struct {
	read     atomic.Bool // any byte arrived
	wrote    atomic.Bool // any command went out
	authSent atomic.Bool // the first command was AUTH
}

// Read implements net.Conn.
func (c *deadlineConn) Read(p []byte) (int, error) {
	if c.expired.Load() {
		return 0, os.ErrDeadlineExceeded
	}
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if n > 0 && c.progress != nil {
		c.progress.read.Store(true)
	}
	return n, err
}

// Write implements net.Conn.
func (c *deadlineConn) Write(p []byte) (int, error) {
	if c.expired.Load() {
		return 0, os.ErrDeadlineExceeded
	}
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	if c.progress != nil && !c.progress.wrote.Swap(true) {
		c.progress.authSent.Store(bytes.HasPrefix(p, []byte("AUTH ")))
	}
	return c.Conn.Write(p)
}

// connDialer dials the control connection and the data connections of one
// FTP session. The library hands every dial to it and, given a dial func,
// adds no TLS of its own to data connections or to an implicit-TLS control
// connection; for explicit TLS it upgrades the control connection itself
// after AUTH TLS, so that one must be returned plain.
type connDialer struct {
	ctx     context.Context
	mode    TLSMode
	tls     *tls.Config
	timeout time.Duration

	// capture, while set, receives the data of the listing in progress.
	capture atomic.Pointer[listingCapture]

	mu       sync.Mutex
	dialed   int
	control  net.Conn // the raw control connection, closed to unblock a stuck call
	progress controlProgress
}

// dial implements the dial func of ftp.DialWithDialFunc.
func (d *connDialer) dial(network, addr string) (net.Conn, error) {
	d.mu.Lock()
	first := d.dialed == 0
	d.dialed++
	d.mu.Unlock()

	nd := net.Dialer{Timeout: d.timeout, KeepAlive: 30 * time.Second}
	raw, err := nd.DialContext(d.ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if first {
		d.mu.Lock()
		d.control = raw
		d.mu.Unlock()
	}
	dc := &deadlineConn{Conn: raw, timeout: d.timeout}
	if first {
		dc.progress = &d.progress
	}
	conn := net.Conn(dc)
	switch {
	case !first:
		return d.dataConn(conn), nil
	case d.mode == TLSImplicit:
		// The greeting comes only after the handshake; do it now so that a
		// plain server fails here, within the timeout, with a TLS error.
		tc := tls.Client(conn, d.tls)
		ctx, cancel := context.WithTimeout(d.ctx, d.timeout)
		defer cancel()
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		return tc, nil
	}
	return conn, nil // plain, or explicit TLS before AUTH TLS
}

// dataConn returns a data connection ready for the library: under TLS
// (PROT P) a client whose handshake happens on the first read, after the
// command, since forcing it earlier hangs some servers; while a listing is
// captured, one that feeds it.
func (d *connDialer) dataConn(conn net.Conn) net.Conn {
	if d.mode != TLSNone {
		conn = tls.Client(conn, d.tls)
	}
	if c := d.capture.Load(); c != nil {
		conn = &captureConn{Conn: conn, capture: c}
	}
	return conn
}

// closeControl closes the raw control connection, which makes any call
// blocked on it return.
func (d *connDialer) closeControl() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.control != nil {
		d.control.Close()
	}
}
