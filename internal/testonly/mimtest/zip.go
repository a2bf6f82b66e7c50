package mimtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// download is remoteps' download.ps1, which can be made to break off.
func (s *Server) download(ctx context.Context, c *winrmtest.Call) int {
	if err := s.delay(ctx, s.DownloadDelay); err != nil {
		return 1 // killed
	}
	if s.BreakDownload <= 0 {
		return winrmtest.DownloadScript(s.Disk)(ctx, c)
	}
	out := &breakingWriter{w: c.Stdout, left: s.BreakDownload * 4 / 3} // base64 lines
	code := winrmtest.DownloadScript(s.Disk)(ctx, &winrmtest.Call{Name: c.Name, Source: c.Source, Params: c.Params,
		Input: c.Input, Stdout: out, Stderr: io.Discard})
	if code == 0 && !out.broken {
		return 0
	}
	fmt.Fprintf(c.Stderr, "Exception calling \"WriteLine\": The pipe is being closed.\r\n")
	return 1
}

// breakingWriter passes on left bytes, then fails.
type breakingWriter struct {
	w      io.Writer
	left   int64
	broken bool
}

func (b *breakingWriter) Write(p []byte) (int, error) {
	if b.broken || int64(len(p)) > b.left {
		b.broken = true
		return 0, io.ErrClosedPipe
	}
	b.left -= int64(len(p))
	return b.w.Write(p)
}

var zipName = regexp.MustCompile(`^\..+\.zip$`)

// removeZip emulates removezip.ps1: it deletes a plain file named
// .<name>.zip directly in the root, and refuses anything else.
func (s *Server) removeZip(ctx context.Context, c *winrmtest.Call) int {
	var p struct {
		Root string `json:"root"`
		Zip  string `json:"zip"`
	}
	if err := json.Unmarshal(c.Params, &p); err != nil {
		fmt.Fprintf(c.Stderr, "ConvertFrom-Json : %v\r\n", err)
		return 1
	}
	dir, name, _ := cutLast(p.Zip, `\`)
	if !strings.EqualFold(strings.TrimRight(dir, `\`), strings.TrimRight(p.Root, `\`)) || !zipName.MatchString(name) {
		fmt.Fprintf(c.Stderr, "%s is not a backup zip directly in %s; refusing to delete it\r\n", p.Zip, p.Root)
		return 1
	}
	local, err := s.Disk.Path(p.Zip)
	if err != nil {
		fmt.Fprintf(c.Stderr, "%v\r\n", err)
		return 1
	}
	info, err := os.Lstat(local)
	switch {
	case os.IsNotExist(err):
		return 0
	case err != nil:
		fmt.Fprintf(c.Stderr, "%v\r\n", err)
		return 1
	case !info.Mode().IsRegular():
		fmt.Fprintf(c.Stderr, "%s is not a plain file; refusing to delete it\r\n", p.Zip)
		return 1
	}
	if err := os.Remove(filepath.Clean(local)); err != nil {
		fmt.Fprintf(c.Stderr, "%v\r\n", err)
		return 1
	}
	return 0
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+len(sep):], true
}
