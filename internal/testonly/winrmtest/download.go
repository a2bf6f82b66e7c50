package winrmtest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// DownloadScript emulates remoteps' download.ps1 on a Disk: parameters
// {"path": "C:\\...", "remove": bool}; it prints the file as base64 lines,
// then "end:<sha256>:<size>", and deletes the file when asked.
func DownloadScript(d *Disk) ScriptFunc {
	return func(ctx context.Context, c *Call) int {
		if err := sendFile(ctx, d, c); err != nil {
			fmt.Fprintf(c.Stderr, "%v\r\n", err)
			return 1
		}
		return 0
	}
}

func sendFile(ctx context.Context, d *Disk, c *Call) error {
	var params struct {
		Path   string `json:"path"`
		Remove bool   `json:"remove"`
	}
	if err := json.Unmarshal(c.Params, &params); err != nil {
		return fmt.Errorf("ConvertFrom-Json : %v", err)
	}
	local, err := d.Path(params.Path)
	if err != nil {
		return err
	}
	f, err := os.Open(local)
	if err != nil {
		//lint:ignore ST1005 the text PowerShell itself writes
		return fmt.Errorf("Exception calling \"OpenRead\": Could not find file '%s'", params.Path)
	}
	sum := sha256.New()
	buf := make([]byte, 196608)
	var size int64
	for {
		n, err := f.Read(buf)
		if n > 0 {
			sum.Write(buf[:n])
			if _, werr := fmt.Fprintf(c.Stdout, "%s\r\n", base64.StdEncoding.EncodeToString(buf[:n])); werr != nil {
				_ = f.Close()
				return werr // the process was terminated
			}
			size += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			_ = f.Close()
			return err
		}
	}
	_ = f.Close()
	if _, err := fmt.Fprintf(c.Stdout, "end:%s:%d\r\n", hex.EncodeToString(sum.Sum(nil)), size); err != nil {
		return err
	}
	if params.Remove {
		if err := ctx.Err(); err != nil {
			return err // terminated after the last line went out
		}
		return os.Remove(local)
	}
	return nil
}
