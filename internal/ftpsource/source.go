package ftpsource

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/jlaffaye/ftp"
)

// Source is an FTP server to read files from. It is safe for concurrent
// use: each operation takes a connection of its own from the pool.
type Source struct {
	opts Options
	pool *pool
}

// Entry is one file of a directory listing.
type Entry struct {
	Name string // as the server sent it: check it before using it
	Size int64  // bytes
	// ModTime is the time as listed. With MLSD (Precise) it is UTC to the
	// second (RFC 3659). Without, it is the server's wall clock read as
	// UTC: LIST names no zone, shows minutes at best and only the date for
	// files older than six months; ModTime asks MDTM for the real time.
	ModTime time.Time
	Precise bool
	// DateOnly is set when LIST gave the date alone, as ls does for files
	// over six months old ("Mar 15  2024"): ModTime is that day's midnight.
	DateOnly bool
}

// Open connects and logs in once, so that bad settings or credentials fail
// here, and returns the Source.
func Open(ctx context.Context, opts Options) (*Source, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.TLS == TLSNone {
		// Once per Source, which a run opens once, and never the password.
		o.Log.Warn("FTPTLS=none: the FTP user name and password cross the network in clear text",
			"server", o.Addr, "user", o.User)
	}
	s := &Source{opts: o, pool: newPool(o)}
	sess, release, err := s.pool.get(ctx)
	if err != nil {
		return nil, err
	}
	s.pool.put(sess, release, false)
	return s, nil
}

// Addr returns the server's host:port.
func (s *Source) Addr() string { return s.opts.Addr }

// Close logs out of every idle connection.
func (s *Source) Close() error {
	s.pool.close()
	return nil
}

// ErrNoDirectory is wrapped when the directory to list does not exist.
var ErrNoDirectory = errors.New("no such directory")

// List reads dir: its regular files (links and folders are left out) and
// the lines the FTP library could not read. A directory that does not
// exist is an error wrapping ErrNoDirectory, also on servers that answer
// LIST of a missing directory with an empty success (vsftpd); an existing
// empty directory is an empty listing, also on servers that refuse to list
// it with 450 or 550 (FileZilla Server, "550 No files found"). A listing
// of more than Options.MaxListEntries lines is an error wrapping
// ErrListingTooLong.
func (s *Source) List(ctx context.Context, dir string) (Listing, error) {
	sess, release, err := s.pool.get(ctx)
	if err != nil {
		return Listing{}, err
	}
	capture := &listingCapture{limit: s.opts.MaxListEntries}
	sess.dialer.capture.Store(capture)
	entries, err := sess.list(dir)
	sess.dialer.capture.Store(nil)
	lines, over := capture.result()
	if over {
		err = fmt.Errorf("ftpsource: list %q: %w: more than %d lines; the listing is not used",
			dir, ErrListingTooLong, s.opts.MaxListEntries)
	}
	if err != nil {
		s.pool.put(sess, release, over || broken(err) || errors.Is(err, errLostHome))
		return Listing{}, err
	}
	precise := sess.conn.IsTimePreciseInList()
	s.pool.put(sess, release, false)

	var l Listing
	var lineOf []string
	l.Unparsed, lineOf = matchLines(lines, entries)
	for i, e := range entries {
		if e.Type != ftp.EntryTypeFile {
			continue
		}
		l.Files = append(l.Files, Entry{Name: e.Name, Size: int64(e.Size), ModTime: e.Time, Precise: precise,
			DateOnly: !precise && listsDateOnly(lineOf[i], e.Name)})
	}
	return l, nil
}

// list runs LIST (or MLSD) and tells an empty directory from a missing
// one with CWD whenever the answer is ambiguous: nothing, or 450/550.
func (sess *session) list(dir string) ([]*ftp.Entry, error) {
	entries, err := sess.conn.List(dir)
	if positiveReply(err) {
		err = nil // 250 instead of 226 at the end, as RFC 959 allows
	}
	code := replyCode(err)
	if err != nil && code != ftp.StatusFileUnavailable && code != ftp.StatusFileActionIgnored {
		return nil, fmt.Errorf("ftpsource: list %q: %w", dir, err)
	}
	if err == nil && len(entries) > 0 {
		return entries, nil
	}
	switch cwdErr := sess.dirExists(dir); {
	case errors.Is(cwdErr, errLostHome):
		return nil, fmt.Errorf("ftpsource: list %q: %w", dir, cwdErr)
	case cwdErr != nil:
		return nil, fmt.Errorf("ftpsource: list %q: %w (%w)", dir, ErrNoDirectory, cwdErr)
	}
	return nil, nil
}

// errLostHome is returned when a session could not change back to its
// login directory; the session must not be reused.
var errLostHome = errors.New("could not return to the login directory")

// dirExists changes into dir and back to the login directory, where
// relative paths start.
func (s *session) dirExists(dir string) error {
	if dir == "" || dir == "." {
		return nil
	}
	if err := s.conn.ChangeDir(dir); err != nil {
		return err
	}
	if s.home == "" {
		return nil
	}
	if err := s.conn.ChangeDir(s.home); err != nil {
		return fmt.Errorf("%w: %v", errLostHome, err)
	}
	return nil
}

// Join returns the server path of name in dir.
func Join(dir, name string) string {
	switch {
	case dir == "" || dir == ".":
		return name
	case strings.HasSuffix(dir, "/"):
		return dir + name
	}
	return dir + "/" + name
}

func isReply(err error) bool {
	var tpe *textproto.Error
	return errors.As(err, &tpe)
}

func replyCode(err error) int {
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		return tpe.Code
	}
	return 0
}

// positiveReply reports whether err is nothing but a positive completion
// reply (2yz) that the library did not expect, such as the 250 some
// servers send instead of 226 at the end of a transfer (RFC 959, 5.4,
// allows both).
func positiveReply(err error) bool {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs := joined.Unwrap()
		for _, e := range errs {
			if !positiveReply(e) {
				return false
			}
		}
		return len(errs) > 0
	}
	var tpe *textproto.Error
	return errors.As(err, &tpe) && tpe.Code/100 == 2
}
