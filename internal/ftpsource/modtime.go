package ftpsource

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoModTime is wrapped when the server cannot report a file's exact
// modification time: it does not offer MDTM.
var ErrNoModTime = errors.New("server offers no MDTM")

// ModTime returns the modification time of the file at path as MDTM
// reports it: to the second, and in UTC (RFC 3659, section 3). Listings
// without MLSD give only the server's local wall-clock time, to the minute
// at best, with no zone; ModTime is how to learn the real time of a
// recent file on such a server.
func (s *Source) ModTime(ctx context.Context, path string) (time.Time, error) {
	sess, release, err := s.pool.get(ctx)
	if err != nil {
		return time.Time{}, err
	}
	if !sess.conn.IsGetTimeSupported() {
		s.pool.put(sess, release, false)
		return time.Time{}, fmt.Errorf("ftpsource: modification time of %q: %w", path, ErrNoModTime)
	}
	t, err := sess.conn.GetTime(path)
	s.pool.put(sess, release, broken(err))
	if err != nil {
		return time.Time{}, fmt.Errorf("ftpsource: modification time of %q: %w", path, err)
	}
	return t, nil
}
