package sink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/tenantops/tenantops/internal/remotename"
)

// Uploader streams a file to a path on the MIM server: to a temporary name,
// checked against its SHA-256 on the server, then renamed into place. The
// remote PowerShell client implements it.
type Uploader interface {
	Upload(ctx context.Context, src io.Reader, remotePath string) (Uploaded, error)
}

// SizedUploader is an Uploader that can also announce a file's size, so
// that the server refuses the file unless exactly that many bytes arrive.
// The remote PowerShell client's shared uploads implement it; Put uses it
// when the Uploader has it.
type SizedUploader interface {
	Uploader
	UploadSized(ctx context.Context, src io.Reader, remotePath string, size int64) (Uploaded, error)
}

// Uploaded is what the server reports about a finished upload.
type Uploaded struct {
	Path   string // the final path
	Size   int64  // bytes written
	SHA256 string // hex SHA-256 of what was written
}

// maxWindowsPath is the longest path Windows accepts without long-path
// support (MAX_PATH less the terminating NUL).
const maxWindowsPath = 259

// WinRM delivers into a folder on the MIM server.
type WinRM struct {
	up     Uploader
	folder string // Windows path of the target folder, subfolder included
}

// NewWinRM returns a WinRM sink writing under dir\subfolder on the server.
func NewWinRM(up Uploader, dir, subfolder string) (*WinRM, error) {
	dir = strings.TrimRight(dir, `\/`)
	if dir == "" {
		return nil, fmt.Errorf("sink: winrm: no target folder")
	}
	if !isAbsWindows(dir) {
		return nil, fmt.Errorf("sink: winrm: target folder %q is not an absolute Windows path", dir)
	}
	if err := remotename.CheckPath(subfolder); err != nil {
		return nil, fmt.Errorf("sink: winrm: subfolder: %w", err)
	}
	folder := dir
	for _, part := range remotename.Segments(subfolder) {
		folder += `\` + part
	}
	return &WinRM{up: up, folder: folder}, nil
}

// isAbsWindows accepts drive paths (C:\...) and UNC paths (\\server\share).
func isAbsWindows(p string) bool {
	if len(p) >= 2 && p[1] == ':' && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) {
		return len(p) == 2 || p[2] == '\\' || p[2] == '/'
	}
	return strings.HasPrefix(p, `\\`)
}

// Kind implements Sink.
func (w *WinRM) Kind() string { return KindWinRM }

// Where implements Sink.
func (w *WinRM) Where(name string) string { return w.folder + `\` + name }

// Put implements Sink. The SHA-256 is computed here as the bytes go out
// and compared with what the server reports having written. Put may run
// from many goroutines at once; how many files travel at once, and over
// how many connections and processes, is the Uploader's to decide.
func (w *WinRM) Put(ctx context.Context, f File, r io.Reader) error {
	if err := remotename.Check(f.Name); err != nil {
		return fmt.Errorf("sink: winrm: %w", err)
	}
	target := w.Where(f.Name)
	if n := len(utf16.Encode([]rune(target))); n > maxWindowsPath {
		return fmt.Errorf("sink: winrm: %s: path is %d characters; Windows allows %d", target, n, maxWindowsPath)
	}
	sum := sha256.New()
	counted := &countingReader{r: io.TeeReader(newExactReader(r, f.Size), sum)}
	var res Uploaded
	var err error
	if sized, ok := w.up.(SizedUploader); ok {
		res, err = sized.UploadSized(ctx, counted, target, f.Size)
	} else {
		res, err = w.up.Upload(ctx, counted, target)
	}
	if err != nil {
		return fmt.Errorf("sink: winrm: %s: %w", target, err)
	}
	if counted.n != f.Size || res.Size != f.Size {
		return fmt.Errorf("sink: winrm: %s: %w: sent %d, server wrote %d, want %d",
			target, ErrSizeMismatch, counted.n, res.Size, f.Size)
	}
	if want := hex.EncodeToString(sum.Sum(nil)); !strings.EqualFold(res.SHA256, want) {
		return fmt.Errorf("sink: winrm: %s: server SHA-256 %s differs from the sent %s", target, res.SHA256, want)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

// Read implements io.Reader.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
