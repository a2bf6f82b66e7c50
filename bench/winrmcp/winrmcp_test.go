// Package winrmcp compares remoteps' streaming upload with the way
// github.com/packer-community/winrmcp copies files, on the WinRM stand-in.
// It is a module of its own so that the product's go.mod does not list
// winrmcp: run it with `make bench` (or `go test -bench . ./...` here).
package winrmcp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"
	"github.com/packer-community/winrmcp/winrmcp"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// benchLatency is the round trip added to every HTTP request.
const benchLatency = 2 * time.Millisecond

// benchSize is the file both uploaders send.
const benchSize = 4 << 20

// BenchmarkUploadVsWinrmcp uploads the same file over HTTPS with NTLM and
// 2 ms of added latency per request, once with Upload (one command, stdin
// Sends sized from MaxEnvelopeSize) and once the way winrmcp does it (one
// `echo <base64> >> file` command per ~6 KB chunk, then a PowerShell restore).
// It reports both throughputs and their ratio.
func BenchmarkUploadVsWinrmcp(b *testing.B) {
	data := randomData(benchSize)
	var ours, theirs time.Duration
	for range b.N {
		ours += timeUpload(b, data)
		theirs += timeWinrmcp(b, data)
	}
	mbps := func(d time.Duration) float64 { return float64(b.N) * float64(benchSize) / 1e6 / d.Seconds() }
	b.ReportMetric(mbps(ours), "remoteps-MB/s")
	b.ReportMetric(mbps(theirs), "winrmcp-MB/s")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "speedup-x")
	b.ReportMetric(20, "min:speedup-x") // the goal, for make bench's summary table
}

func timeUpload(b *testing.B, data []byte) time.Duration {
	srv := winrmtest.Start(b, winrmtest.Options{HTTPS: true, Latency: benchLatency})
	c := newClient(b, srv.ClientConfig())
	start := time.Now()
	if _, err := c.Upload(context.Background(), bytes.NewReader(data), `C:\Drop\bench.bin`); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	checkArrived(b, srv.Disk, `C:\Drop\bench.bin`, data)
	return elapsed
}

func timeWinrmcp(b *testing.B, data []byte) time.Duration {
	disk, err := winrmtest.NewDisk(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	srv := winrmtest.Start(b, winrmtest.Options{HTTPS: true, Latency: benchLatency,
		Machine: &winrmtest.Host{Other: winrmcpMachine(disk)}})
	cp, err := winrmcp.New(fmt.Sprintf("%s:%d", srv.Host, srv.Port), &winrmcp.Config{
		Auth:  winrmcp.Auth{User: srv.User(), Password: srv.Password()},
		Https: true, CACertBytes: srv.CACertPEM, OperationTimeout: 60 * time.Second, MaxOperationsPerShell: 15,
		TransportDecorator: func() winrm.Transporter { return &winrm.ClientNTLM{} },
	})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cp.Write(`C:\Drop\bench.bin`, bytes.NewReader(data)); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	checkArrived(b, disk, `C:\Drop\bench.bin`, data)
	return elapsed
}

func checkArrived(b *testing.B, d *winrmtest.Disk, path string, want []byte) {
	got, err := d.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		b.Fatalf("%s: %d bytes arrived (err %v), want the %d sent", path, len(got), err, len(want))
	}
}

const remoteTemp = `C:\Users\svc-backup\AppData\Local\Temp`

var (
	echoAppend   = regexp.MustCompile(`^echo (\S+) >> "%TEMP%\\(winrmcp-[0-9a-f-]+\.tmp)"$`)
	fullPathArgs = regexp.MustCompile(`GetFullPath\("([^"]+)"`)
)

// winrmcpMachine emulates what winrmcp's commands do on Windows: cmd.exe's
// echo appends a line (with the space before >>) to a temp file, the
// restore script decodes the lines into the target, and the cleanup script
// deletes the temp file.
func winrmcpMachine(d *winrmtest.Disk) winrmtest.MachineFunc {
	return func(ctx context.Context, p *winrmtest.Process) int {
		if m := echoAppend.FindStringSubmatch(p.CommandLine); m != nil {
			return appendLine(d, remoteTemp+`\`+m[2], m[1]+" \r\n", p)
		}
		script, ok := winrmtest.EncodedCommand(p.CommandLine)
		if !ok {
			fmt.Fprintf(p.Stderr, "unexpected command %.80q\r\n", p.CommandLine)
			return 1
		}
		paths := fullPathArgs.FindAllStringSubmatch(strings.ReplaceAll(script, "$env:TEMP", remoteTemp), -1)
		switch {
		case strings.Contains(script, "FromBase64String") && len(paths) == 2:
			return restore(d, paths[0][1], paths[1][1], p)
		case strings.Contains(script, "Remove-Item") && len(paths) == 1:
			local, _ := d.Path(paths[0][1])
			_ = os.Remove(local)
			return 0
		}
		fmt.Fprintf(p.Stderr, "unexpected script %.80q\r\n", script)
		return 1
	}
}

func appendLine(d *winrmtest.Disk, path, line string, p *winrmtest.Process) int {
	local, err := d.Path(path)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(local), 0o755)
	}
	var f *os.File
	if err == nil {
		f, err = os.OpenFile(local, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	}
	if err == nil {
		_, err = f.WriteString(line)
		_ = f.Close()
	}
	if err != nil {
		fmt.Fprintf(p.Stderr, "%v\r\n", err)
		return 1
	}
	return 0
}

func restore(d *winrmtest.Disk, from, to string, p *winrmtest.Process) int {
	src, err := d.ReadFile(from)
	if err != nil {
		fmt.Fprintf(p.Stderr, "%v\r\n", err)
		return 1
	}
	var out bytes.Buffer
	for _, line := range strings.Split(string(src), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			chunk, err := decodeBase64(line)
			if err != nil {
				fmt.Fprintf(p.Stderr, "%v\r\n", err)
				return 1
			}
			out.Write(chunk)
		}
	}
	if err := d.WriteFile(strings.Trim(to, "'"), out.Bytes()); err != nil {
		fmt.Fprintf(p.Stderr, "%v\r\n", err)
		return 1
	}
	return 0
}

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// randomData returns n reproducible pseudo-random bytes.
func randomData(n int) []byte {
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	b := make([]byte, n)
	_, _ = r.Read(b)
	return b
}

func newClient(b *testing.B, cfg remoteps.Config) *remoteps.Client {
	b.Helper()
	c, err := remoteps.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	return c
}
