package winrmtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// UploadsScript emulates remoteps' uploads.ps1 on a Disk: many files on one
// stdin. A file is "file:<base64 of JSON {path, size}>", base64 lines of its
// bytes, then "end:<sha256>:<size>" or "abort:". Each goes to a temporary
// name, is checked against the end line and the announced size (-1: any),
// and is renamed into place; the answer is one line "result:" + JSON
// {path, size, sha256, error}. A failed file is skipped to its end line and
// the next one is read; the script ends at the end of stdin. The first file
// into a folder removes the folder's temporary files a day old or more.
func UploadsScript(d *Disk) ScriptFunc {
	return func(ctx context.Context, c *Call) int {
		cleaned := map[string]bool{}
		for {
			line, err := ReadLine(c.Input)
			if errors.Is(err, io.EOF) {
				return 0
			}
			if err != nil {
				fmt.Fprintf(c.Stderr, "%v\r\n", err)
				return 1
			}
			if line == "" {
				continue
			}
			header, ok := strings.CutPrefix(line, "file:")
			if !ok {
				fmt.Fprintf(c.Stderr, "uploads: expected a file header, got a line of %d characters\r\n", len(line))
				return 1
			}
			res := receiveOne(d, header, c.Input, cleaned)
			out, _ := json.Marshal(res)
			if _, err := fmt.Fprintf(c.Stdout, "result:%s\r\n", out); err != nil {
				return 1
			}
		}
	}
}

type uploadsResult struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Error  string `json:"error"`
}

// receiveOne takes one file and always leaves the input after its end line.
func receiveOne(d *Disk, header string, in *bufio.Reader, cleaned map[string]bool) uploadsResult {
	var res uploadsResult
	var end string
	err := func() error {
		var meta struct {
			Path string `json:"path"`
			Size int64  `json:"size"`
		}
		raw, err := base64.StdEncoding.DecodeString(header)
		if err == nil {
			err = json.Unmarshal(raw, &meta)
		}
		if err != nil {
			return fmt.Errorf("ConvertFrom-Json : %v", err)
		}
		res.Path = meta.Path
		target, err := d.Path(meta.Path)
		if err != nil {
			return err
		}
		temp, sum, err := writeTemp(target, in, &res, &end, cleaned)
		if err != nil {
			return err
		}
		if err = checkUploadsEnd(end, res.Size, hex.EncodeToString(sum.Sum(nil)), meta.Size); err == nil {
			err = os.Rename(temp, target)
		}
		if err != nil {
			_ = os.Remove(temp)
		}
		return err
	}()
	if err != nil {
		res.Error = err.Error()
	}
	for end == "" {
		line, err := ReadLine(in)
		if err != nil {
			break
		}
		if isUploadsEnd(line) {
			end = line
		}
	}
	return res
}

// writeTemp writes the file's lines to a temporary file next to target;
// end receives the line that closed it ("" when the input ended first).
func writeTemp(target string, in *bufio.Reader, res *uploadsResult, end *string, cleaned map[string]bool) (string, hash.Hash, error) {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return "", nil, err
	}
	if folder := filepath.Dir(target); !cleaned[folder] {
		removeStalePartials(folder)
		cleaned[folder] = true
	}
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	temp := filepath.Join(filepath.Dir(target), "."+hex.EncodeToString(suffix[:])+".partial")
	f, err := os.OpenFile(temp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return "", nil, err
	}
	sum := sha256.New()
	err = func() error {
		for {
			line, err := ReadLine(in)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if isUploadsEnd(line) {
				*end = line
				return nil
			}
			if line == "" {
				continue
			}
			data, err := base64.StdEncoding.DecodeString(line)
			if err != nil {
				//lint:ignore ST1005 the text PowerShell itself writes
				return fmt.Errorf("Exception calling \"FromBase64String\": %v", err)
			}
			if _, err := f.Write(data); err != nil {
				return err
			}
			sum.Write(data)
			res.Size += int64(len(data))
		}
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	res.SHA256 = hex.EncodeToString(sum.Sum(nil))
	if err != nil {
		_ = os.Remove(temp)
		return "", nil, err
	}
	return temp, sum, nil
}

func isUploadsEnd(line string) bool {
	return strings.HasPrefix(line, "end:") || strings.HasPrefix(line, "abort:")
}

// checkUploadsEnd checks a file against its end line and announced size.
func checkUploadsEnd(end string, size int64, sum string, announced int64) error {
	if strings.HasPrefix(end, "abort:") {
		return errors.New("upload aborted by the sender")
	}
	if err := checkEnd(end, size, sum); err != nil {
		return err
	}
	if announced >= 0 && announced != size {
		return fmt.Errorf("upload incomplete: got %d bytes, %d were announced", size, announced)
	}
	return nil
}
