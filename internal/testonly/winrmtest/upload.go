package winrmtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// UploadScript emulates remoteps' upload.ps1 on a Disk: parameters
// {"path": "C:\\..."}; stdin lines of base64 data, then "end:<sha256>:<size>".
// It removes the folder's temporary files a day old or more, writes a
// temporary file next to the target, checks size and SHA-256, renames it
// into place, and prints {"path","size","sha256"}. Input that ends without
// the end line, or that does not match it, leaves no file behind.
func UploadScript(d *Disk) ScriptFunc {
	return func(ctx context.Context, c *Call) int {
		res, err := receiveUpload(d, c)
		if err != nil {
			fmt.Fprintf(c.Stderr, "%v\r\n", err)
			return 1
		}
		out, _ := json.Marshal(res)
		fmt.Fprintf(c.Stdout, "%s\r\n", out)
		return 0
	}
}

type uploadResult struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func receiveUpload(d *Disk, c *Call) (*uploadResult, error) {
	var params struct {
		Path string `json:"path"`
	}
	if err := json.Unmarshal(c.Params, &params); err != nil {
		return nil, fmt.Errorf("ConvertFrom-Json : %v", err)
	}
	target, err := d.Path(params.Path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return nil, err
	}
	removeStalePartials(filepath.Dir(target))
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	temp := filepath.Join(filepath.Dir(target), "."+hex.EncodeToString(suffix[:])+".partial")
	f, err := os.OpenFile(temp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	sum := sha256.New()
	size, end, err := copyLines(io.MultiWriter(f, sum), c)
	closeErr := f.Close()
	if err == nil {
		err = closeErr
	}
	if err == nil {
		err = checkEnd(end, size, hex.EncodeToString(sum.Sum(nil)))
	}
	if err == nil {
		err = os.Rename(temp, target)
	}
	if err != nil {
		_ = os.Remove(temp)
		return nil, err
	}
	return &uploadResult{Path: params.Path, Size: size, SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// copyLines decodes base64 lines until the end line, which it returns.
func copyLines(w io.Writer, c *Call) (int64, string, error) {
	var size int64
	for {
		line, err := ReadLine(c.Input)
		if errors.Is(err, io.EOF) {
			return size, "", nil
		}
		if err != nil {
			return size, "", err
		}
		if strings.HasPrefix(line, "end:") {
			return size, line, nil
		}
		data, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			//lint:ignore ST1005 the text PowerShell itself writes
			return size, "", fmt.Errorf("Exception calling \"FromBase64String\": %v", err)
		}
		if _, err := w.Write(data); err != nil {
			return size, "", err
		}
		size += int64(len(data))
	}
}

func checkEnd(end string, size int64, sum string) error {
	if end == "" {
		return errors.New("upload cut off: the input ended before the end marker")
	}
	parts := strings.Split(end, ":")
	if len(parts) != 3 {
		return fmt.Errorf("upload: bad end marker %q", end)
	}
	want, _ := strconv.ParseInt(parts[2], 10, 64)
	if parts[1] != sum || want != size {
		return fmt.Errorf("upload damaged: got %d bytes with SHA-256 %s, sender had %s bytes with SHA-256 %s", size, sum, parts[2], parts[1])
	}
	return nil
}
