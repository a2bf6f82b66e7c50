package ftpsource

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"

	"github.com/jlaffaye/ftp"
)

// DefaultMaxListEntries is the most lines one listing may have when
// Options.MaxListEntries is zero.
const DefaultMaxListEntries = 100_000

// ErrListingTooLong is wrapped when a listing has more lines than
// Options.MaxListEntries. The listing is then not used at all: a run that
// acted on part of a folder could not tell a file that is gone from one it
// did not read.
var ErrListingTooLong = errors.New("listing too long")

// Listing is what one directory listing held.
type Listing struct {
	// Files are the regular files; links and folders are left out.
	Files []Entry
	// Unparsed are the lines the FTP library could not read, as the
	// server sent them (an ls "total" header and blank lines are not
	// counted). A file listed on such a line is invisible to the caller.
	Unparsed []string
}

// maxLineBytes is the longest listing line kept in memory: the library's
// scanner refuses longer ones anyway.
const maxLineBytes = 64 << 10

// listingCapture keeps the lines of one listing as they arrive on its data
// connection, and stops the transfer once there are more than limit.
type listingCapture struct {
	limit int

	mu      sync.Mutex
	partial []byte
	lines   []string
	over    bool
}

// add splits data into lines; it fails once the limit is passed.
func (c *listingCapture) add(data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			if len(c.partial) < maxLineBytes {
				c.partial = append(c.partial, data...)
			}
			return nil
		}
		c.partial = append(c.partial, data[:i]...)
		data = data[i+1:]
		if err := c.endLine(); err != nil {
			return err
		}
	}
	return nil
}

// endLine files the line collected so far.
func (c *listingCapture) endLine() error {
	line := strings.TrimSuffix(string(c.partial), "\r")
	c.partial = c.partial[:0]
	if strings.TrimSpace(line) == "" || lsTotal.MatchString(line) {
		return nil
	}
	c.lines = append(c.lines, line)
	if len(c.lines) > c.limit {
		c.over = true
		return fmt.Errorf("ftpsource: %w: more than %d lines", ErrListingTooLong, c.limit)
	}
	return nil
}

// result returns the lines; a last line without a newline counts too.
func (c *listingCapture) result() (lines []string, over bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.partial) > 0 && !c.over {
		_ = c.endLine()
	}
	return c.lines, c.over
}

// lsTotal matches the block count ls prints before the entries.
var lsTotal = regexp.MustCompile(`^total\s+\d+\s*$`)

// captureConn feeds what it reads to a listingCapture.
type captureConn struct {
	net.Conn
	capture *listingCapture
}

// Read implements net.Conn.
func (c *captureConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		if cerr := c.capture.add(p[:n]); cerr != nil {
			return 0, cerr
		}
	}
	return n, err
}

// matchLines pairs the lines with the entries the library made of them,
// and returns the lines that gave none. The library parses line by line in
// order and drops what it cannot read, so walking the lines and the
// entries together finds them; lineOf[i] is the line of entries[i].
func matchLines(lines []string, entries []*ftp.Entry) (unparsed, lineOf []string) {
	lineOf = make([]string, len(entries))
	j := 0
	for _, line := range lines {
		if j < len(entries) && lineHolds(line, entries[j]) {
			lineOf[j] = line
			j++
			continue
		}
		unparsed = append(unparsed, line)
	}
	return unparsed, lineOf
}

// listsDateOnly reports whether an ls-style line of a regular file shows
// its date alone: a year where a recent file shows HH:MM ("Mar 15  2024"
// rather than "Mar 15 10:15"). MS-DOS/IIS lines always show a time.
func listsDateOnly(line, name string) bool {
	if !strings.HasPrefix(line, "-") || !strings.HasSuffix(line, name) {
		return false
	}
	rest := strings.TrimRight(strings.TrimSuffix(line, name), " ")
	year := rest[strings.LastIndexByte(rest, ' ')+1:]
	if len(year) != 4 {
		return false
	}
	for _, r := range year {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// lineHolds reports whether line is where the library found e: every
// format ends a line with the name, except a link, whose name comes before
// " -> " and its target.
func lineHolds(line string, e *ftp.Entry) bool {
	if e.Type == ftp.EntryTypeLink && strings.Contains(line, e.Name+" -> ") {
		return true
	}
	return strings.HasSuffix(line, e.Name)
}
