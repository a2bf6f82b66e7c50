package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// coldStarts is how many starts of each binary one benchmark run measures.
const coldStarts = 21

// The cold-start goals: at most twice the hello-world's time, and under
// 20 MB resident once idle.
const (
	maxColdRatio = 2
	maxIdleRSSMB = 20
)

// helloSource is the yardstick: the smallest custom handler net/http allows.
const helloSource = `package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{}"))
	})
	http.ListenAndServe("127.0.0.1:"+os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT"), nil)
}
`

// BenchmarkColdStart measures, for dist/handler and for a bare net/http
// hello-world built with the same flags, the time from exec to the first
// answer to GET / (the host's readiness probe; median of coldStarts
// interleaved starts) and the resident memory once idle.
func BenchmarkColdStart(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc for resident memory")
	}
	handler := distHandler(b)
	hello := buildHello(b)
	for range b.N {
		var handlerStarts, helloStarts []time.Duration
		var handlerRSS, helloRSS []int
		for range coldStarts {
			d, rss := coldStart(b, handler)
			handlerStarts, handlerRSS = append(handlerStarts, d), append(handlerRSS, rss)
			d, rss = coldStart(b, hello)
			helloStarts, helloRSS = append(helloStarts, d), append(helloRSS, rss)
		}
		hs, ws := median(handlerStarts), median(helloStarts)
		b.ReportMetric(ms(hs), "handler-cold-ms")
		b.ReportMetric(ms(ws), "hello-cold-ms")
		b.ReportMetric(float64(hs)/float64(ws), "cold-ratio")
		b.ReportMetric(maxColdRatio, "max:cold-ratio") // goals, for make bench's summary table
		b.ReportMetric(float64(medianInt(handlerRSS))/1024, "handler-idle-rss-MB")
		b.ReportMetric(maxIdleRSSMB, "max:handler-idle-rss-MB")
		b.ReportMetric(float64(medianInt(helloRSS))/1024, "hello-idle-rss-MB")
	}
}

// distHandler is the binary `make build` made, or one built the same way.
func distHandler(b *testing.B) string {
	exe := "handler"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	if p, err := filepath.Abs(filepath.Join("..", "dist", exe)); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	b.Log("no dist/handler (run make build); measuring a fresh build")
	return handlerBinary(b)
}

func buildHello(b *testing.B) string {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(helloSource), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.22\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building the hello-world: %v\n%s", err, out)
	}
	return bin
}

// idleSettle is how long a started binary sits before its memory is read.
const idleSettle = 200 * time.Millisecond

// coldStart starts bin as the host does, returns the time to the first
// answer to GET / and the idle resident set in KiB, and stops it.
func coldStart(b *testing.B, bin string) (time.Duration, int) {
	port := freePort(b)
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "FUNCTIONS_CUSTOMHANDLER_PORT=" + port}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://127.0.0.1:" + port + "/"
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	deadline := start.Add(30 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s never answered GET /", bin)
		}
		time.Sleep(200 * time.Microsecond)
	}
	elapsed := time.Since(start)
	time.Sleep(idleSettle)
	return elapsed, residentKiB(b, cmd.Process.Pid)
}

// residentKiB reads VmRSS from /proc/<pid>/status.
func residentKiB(b *testing.B, pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				b.Fatalf("VmRSS %q: %v", rest, err)
			}
			return n
		}
	}
	b.Fatalf("no VmRSS for pid %d", pid)
	return 0
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianInt(ns []int) int {
	s := slices.Clone(ns)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
