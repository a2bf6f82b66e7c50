package ftpsource

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// pool hands out logged-in sessions, at most limit at a time. A session
// that comes back healthy is kept for reuse and, unless it was in use
// moments ago, checked with NOOP before it is handed out again. When the
// server refuses a new connection as one too many while others are open,
// the limit drops to the number open for the rest of the Source's life;
// when it refuses the first, get backs off and tries again.
type pool struct {
	opts Options

	mu      sync.Mutex
	cond    *sync.Cond
	idle    []*session
	open    int // sessions dialled and not yet closed, idle or in use
	dialing int // dials in progress
	limit   int // the current most open at once
	closed  bool
	// unanswered is the first connect that timed out: a server that did
	// not answer one is not dialled again by this Source, so that a hung
	// server fails a run within about one timeout per file in progress
	// instead of one per file.
	unanswered error
}

// retries421 is how often a first connection refused with 421 is retried,
// with backoff421 doubling in between.
const (
	retries421 = 4
	backoff421 = 500 * time.Millisecond
)

func newPool(o Options) *pool {
	p := &pool{opts: o, limit: o.MaxConnections}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// get returns a session for one operation; give it back with put. While the
// operation runs, cancelling ctx closes the session's connection.
func (p *pool) get(ctx context.Context) (*session, func(), error) {
	for attempt := 0; ; attempt++ {
		s, err := p.take(ctx)
		if err == nil {
			stop := context.AfterFunc(ctx, s.dialer.closeControl)
			return s, func() { stop() }, nil
		}
		if !errors.Is(err, ErrTooManyConnections) {
			return nil, nil, err
		}
		if p.shrink() {
			p.opts.Log.Warn("ftp server refused another connection; continuing with fewer",
				"server", p.opts.Addr, "connections", p.currentLimit())
			continue
		}
		if attempt >= retries421 {
			return nil, nil, err
		}
		wait := backoff421 << attempt
		p.opts.Log.Warn("ftp server refused the connection; retrying", "server", p.opts.Addr, "in", wait.String())
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("ftpsource: waiting to reconnect: %w", ctx.Err())
		}
	}
}

// take pops a healthy idle session or dials a new one within the limit.
func (p *pool) take(ctx context.Context) (*session, error) {
	p.mu.Lock()
	for {
		if p.closed {
			p.mu.Unlock()
			return nil, errors.New("ftpsource: source is closed")
		}
		if ctx.Err() != nil {
			p.mu.Unlock()
			return nil, fmt.Errorf("ftpsource: waiting for a connection: %w", ctx.Err())
		}
		if n := len(p.idle); n > 0 {
			s := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			if s.healthy() {
				return s, nil
			}
			s.close()
			p.mu.Lock()
			p.open--
			continue
		}
		if p.open+p.dialing < p.limit {
			if p.unanswered != nil {
				p.mu.Unlock()
				return nil, fmt.Errorf("ftpsource: not dialling again: %w", p.unanswered)
			}
			p.dialing++
			p.mu.Unlock()
			s, err := dialSession(ctx, p.opts)
			p.mu.Lock()
			p.dialing--
			switch {
			case err == nil:
				p.open++
			case isTimeout(err) && ctx.Err() == nil:
				p.unanswered = err
			}
			p.cond.Broadcast()
			p.mu.Unlock()
			return s, err
		}
		waitCond(ctx, p.cond)
	}
}

// waitCond waits on c (whose lock is held) until a broadcast or until ctx
// ends.
func waitCond(ctx context.Context, c *sync.Cond) {
	stop := context.AfterFunc(ctx, func() {
		c.L.Lock()
		c.Broadcast()
		c.L.Unlock()
	})
	c.Wait()
	stop()
}

// shrink lowers the limit after a 421 if other sessions are open, and
// reports whether it did.
func (p *pool) shrink() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open == 0 {
		return false
	}
	if p.limit > p.open {
		p.limit = max(p.open, 1)
	}
	p.cond.Broadcast()
	return true
}

func (p *pool) currentLimit() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit
}

// put gives a session back. A session whose last operation failed is
// closed rather than reused.
func (p *pool) put(s *session, release func(), failed bool) {
	release()
	p.mu.Lock()
	keep := !failed && !p.closed
	if keep {
		s.idleSince = time.Now()
		p.idle = append(p.idle, s)
	} else {
		p.open--
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	if !keep {
		s.close()
	}
}

// close ends every idle session; sessions in use end when they come back.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.closed = true
	p.open -= len(idle)
	p.cond.Broadcast()
	p.mu.Unlock()
	for _, s := range idle {
		s.close()
	}
}
