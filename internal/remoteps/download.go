package remoteps

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// DownloadOptions tune Download.
type DownloadOptions struct {
	// Remove deletes the remote file once it has been read completely.
	Remove bool
}

// DownloadResult describes a file that arrived complete and verified.
type DownloadResult struct {
	Size   int64
	SHA256 string // hex
}

// Download copies a remote file to w. The host sends it as base64 lines on
// stdout with its size and SHA-256 at the end; each line is decoded and
// written to w as it arrives, so memory stays bounded (a few envelopes)
// whatever the file's size. Only a nil error means that all of the file
// reached w and matched the size and SHA-256 the host computed: on an error,
// w may hold part of the file, and the caller discards it.
func (c *Client) Download(ctx context.Context, remotePath string, w io.Writer, opts DownloadOptions) (DownloadResult, error) {
	if err := CheckRemotePath(remotePath); err != nil {
		return DownloadResult{}, err
	}
	var got DownloadResult
	read := func(stdout io.Reader) error {
		var err error
		got, err = decodeLines(stdout, w)
		return err
	}
	_, err := c.run(ctx, downloadScript, map[string]any{"path": remotePath, "remove": opts.Remove}, streams{read: read})
	if err != nil {
		return DownloadResult{}, fmt.Errorf("remoteps: download of %s: %w", remotePath, err)
	}
	return got, nil
}

// maxDownloadLine bounds one line of download output: download.ps1 writes
// 196608 bytes per line, 262144 in base64.
const maxDownloadLine = 1 << 20

// errDestination marks a failure of the writer a download goes to.
var errDestination = errors.New("writing the download")

// decodeLines writes the data of base64 lines to w as they arrive and
// checks the end line.
func decodeLines(stdout io.Reader, w io.Writer) (DownloadResult, error) {
	sum := sha256.New()
	var size int64
	br := bufio.NewReaderSize(stdout, 64<<10)
	var line, data []byte
	for first := true; ; first = false {
		var err error
		line, err = readLine(br, line[:0], maxDownloadLine)
		if err == io.EOF {
			return DownloadResult{}, fmt.Errorf("the output ended after %d bytes without the end line", size)
		}
		if err != nil {
			return DownloadResult{}, fmt.Errorf("after %d bytes: %w", size, err)
		}
		if first {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		line = bytes.TrimSpace(line)
		if rest, ok := bytes.CutPrefix(line, []byte("end:")); ok {
			return checkEndLine(string(rest), size, hex.EncodeToString(sum.Sum(nil)))
		}
		if len(line) == 0 {
			continue
		}
		data = growTo(data, base64.StdEncoding.DecodedLen(len(line)))
		n, err := base64.StdEncoding.Decode(data, line)
		if err != nil {
			return DownloadResult{}, fmt.Errorf("damaged line after %d bytes: %w", size, err)
		}
		sum.Write(data[:n])
		if _, err := w.Write(data[:n]); err != nil {
			return DownloadResult{}, fmt.Errorf("%w after %d bytes: %w", errDestination, size, err)
		}
		size += int64(n)
	}
}

// readLine appends the next line of br, without its "\n", to buf. A line
// longer than limit is an error; io.EOF means no line was left.
func readLine(br *bufio.Reader, buf []byte, limit int) ([]byte, error) {
	for {
		frag, err := br.ReadSlice('\n')
		buf = append(buf, frag...)
		if len(buf) > limit {
			return buf, fmt.Errorf("a line of more than %d bytes", limit)
		}
		switch {
		case err == nil:
			return buf[:len(buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(buf) > 0:
			return buf, nil
		default:
			return buf, err
		}
	}
}

// growTo returns b with length n, reusing its array when it is big enough.
func growTo(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

func checkEndLine(rest string, size int64, sum string) (DownloadResult, error) {
	wantSum, wantSize, _ := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(wantSize, 10, 64)
	if err != nil || n != size || !strings.EqualFold(wantSum, sum) {
		return DownloadResult{}, fmt.Errorf("got %d bytes with SHA-256 %s, the host sent %s bytes with SHA-256 %s", size, sum, wantSize, wantSum)
	}
	return DownloadResult{Size: size, SHA256: sum}, nil
}
