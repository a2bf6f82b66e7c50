package remoteps

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// UploadResult describes a file that arrived complete and verified.
type UploadResult struct {
	RemotePath string
	Size       int64
	SHA256     string // hex
	Duration   time.Duration
}

// Upload streams src to remotePath on the host. The data travels on the
// stdin of one command, one base64 line per Send, each Send as large as the
// server's MaxEnvelopeSize allows. The remote side writes a temporary file
// next to the target, checks size and SHA-256 against what was sent, and
// only then moves it to remotePath (replacing an older file). A failed or
// cut-off upload leaves nothing under remotePath.
//
// Upload is the method the FTP sink's interface names:
// Upload(ctx, io.Reader, remotePath) (UploadResult, error).
func (c *Client) Upload(ctx context.Context, src io.Reader, remotePath string) (UploadResult, error) {
	if err := CheckRemotePath(remotePath); err != nil {
		return UploadResult{}, err
	}
	start := time.Now()
	var local struct {
		size int64
		sum  string
	}
	feed := func(ctx context.Context, w io.Writer) error {
		size, sum, err := c.streamLines(ctx, src, w)
		local.size, local.sum = size, sum
		return err
	}
	res, err := c.run(ctx, uploadScript, map[string]string{"path": remotePath}, streams{feed: feed})
	if err != nil {
		return UploadResult{}, fmt.Errorf("remoteps: upload to %s: %w", remotePath, err)
	}
	var remote struct {
		Path   string `json:"path"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal([]byte(lastLine(res.Stdout)), &remote); err != nil {
		return UploadResult{}, fmt.Errorf("remoteps: upload to %s: unreadable confirmation %q: %w", remotePath, lastLine(res.Stdout), err)
	}
	if remote.Size != local.size || !strings.EqualFold(remote.SHA256, local.sum) {
		return UploadResult{}, fmt.Errorf("remoteps: upload to %s: the host confirmed %d bytes with SHA-256 %s, but %d bytes with SHA-256 %s were sent",
			remotePath, remote.Size, remote.SHA256, local.size, local.sum)
	}
	return UploadResult{RemotePath: remotePath, Size: local.size, SHA256: local.sum, Duration: time.Since(start)}, nil
}

// streamLines writes src as base64 lines, each filling one Send, then the
// end line "end:<sha256>:<size>". A read error stops before the end line,
// so the remote side discards what it got.
func (c *Client) streamLines(ctx context.Context, src io.Reader, w io.Writer) (int64, string, error) {
	raw := make([]byte, (c.sendSize-2)/4*3)
	line := make([]byte, base64.StdEncoding.EncodedLen(len(raw))+1)
	sum := sha256.New()
	var size int64
	for {
		if err := ctx.Err(); err != nil {
			return size, "", err
		}
		n, err := fill(src, raw)
		if n > 0 {
			sum.Write(raw[:n])
			size += int64(n)
			m := base64.StdEncoding.EncodedLen(n)
			base64.StdEncoding.Encode(line, raw[:n])
			line[m] = '\n'
			if _, werr := w.Write(line[:m+1]); werr != nil {
				return size, "", werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return size, "", fmt.Errorf("reading the source after %d bytes: %w", size, err)
		}
	}
	hexSum := hex.EncodeToString(sum.Sum(nil))
	_, err := io.WriteString(w, "end:"+hexSum+":"+strconv.FormatInt(size, 10)+"\n")
	return size, hexSum, err
}

// fill reads into buf until it is full or the source ends. Only a plain
// io.EOF from the source is an end: any other error, io.ErrUnexpectedEOF from
// a connection cut mid-record included, is a failed read, so a truncated
// source never gets an end line.
func fill(src io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := src.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

var (
	remoteDrivePath = regexp.MustCompile(`^[A-Za-z]:\\`)
	remoteUNCPath   = regexp.MustCompile(`^\\\\[^\\]+\\[^\\]+\\`)
)

// CheckRemotePath accepts an absolute Windows file path (C:\dir\file or
// \\server\share\file) whose segments are real names: no "." or "..", no
// characters Windows forbids in names, no control characters, no trailing
// dot or space.
func CheckRemotePath(p string) error {
	var rest string
	switch {
	case remoteDrivePath.MatchString(p):
		rest = p[3:]
	case remoteUNCPath.MatchString(p):
		rest = p[2:]
	default:
		return fmt.Errorf("remoteps: remote path %q is not an absolute Windows path (C:\\... or \\\\server\\share\\...)", p)
	}
	for _, seg := range strings.Split(rest, `\`) {
		if err := checkSegment(seg); err != nil {
			return fmt.Errorf("remoteps: remote path %q: %w", p, err)
		}
	}
	return nil
}

func checkSegment(seg string) error {
	switch {
	case seg == "":
		return errors.New("empty folder or file name")
	case seg == "." || seg == "..":
		return fmt.Errorf("%q is not allowed", seg)
	case strings.ContainsAny(seg, `<>:"/|?*`):
		return fmt.Errorf("%q contains a character Windows forbids in names", seg)
	case strings.HasSuffix(seg, ".") || strings.HasSuffix(seg, " "):
		return fmt.Errorf("%q ends with a dot or space", seg)
	}
	for _, r := range seg {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q contains a control character", seg)
		}
	}
	return nil
}
