package remoteps

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
// stdout with its size and SHA-256 at the end; the copy is checked against
// them. The output is held in memory while the command runs, so Download
// suits files of tens of megabytes, such as a configuration backup's zip.
func (c *Client) Download(ctx context.Context, remotePath string, w io.Writer, opts DownloadOptions) (DownloadResult, error) {
	if err := CheckRemotePath(remotePath); err != nil {
		return DownloadResult{}, err
	}
	res, err := c.Run(ctx, downloadScript, map[string]any{"path": remotePath, "remove": opts.Remove})
	if err != nil {
		return DownloadResult{}, fmt.Errorf("remoteps: download of %s: %w", remotePath, err)
	}
	got, err := decodeLines(res.Stdout, w)
	if err != nil {
		return DownloadResult{}, fmt.Errorf("remoteps: download of %s: %w", remotePath, err)
	}
	return got, nil
}

// decodeLines writes the data of base64 lines to w and checks the end line.
func decodeLines(stdout string, w io.Writer) (DownloadResult, error) {
	sum := sha256.New()
	var size int64
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "end:"); ok {
			return checkEndLine(rest, size, hex.EncodeToString(sum.Sum(nil)))
		}
		if line == "" {
			continue
		}
		data, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			return DownloadResult{}, fmt.Errorf("damaged line after %d bytes: %w", size, err)
		}
		sum.Write(data)
		if _, err := w.Write(data); err != nil {
			return DownloadResult{}, err
		}
		size += int64(len(data))
	}
	if err := sc.Err(); err != nil {
		return DownloadResult{}, err
	}
	return DownloadResult{}, fmt.Errorf("the output ended after %d bytes without the end line", size)
}

func checkEndLine(rest string, size int64, sum string) (DownloadResult, error) {
	wantSum, wantSize, _ := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(wantSize, 10, 64)
	if err != nil || n != size || !strings.EqualFold(wantSum, sum) {
		return DownloadResult{}, fmt.Errorf("got %d bytes with SHA-256 %s, the host sent %s bytes with SHA-256 %s", size, sum, wantSize, wantSum)
	}
	return DownloadResult{Size: size, SHA256: sum}, nil
}
