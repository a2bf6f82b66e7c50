// Package buildtest builds the handler binary for tests that run it the way
// the Functions host does, with the flags `make build` uses.
package buildtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Package is the handler's import path.
const Package = "github.com/tenantops/tenantops/handler"

var (
	mu     sync.Mutex
	shared = map[string]*build{} // "handler" or "app" -> its one build for this process
)

type build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Handler returns the path of a handler built once per test process.
func Handler(tb testing.TB) string {
	tb.Helper()
	return once(tb, "handler", func(dir string) (string, error) { return buildHandler(dir) })
}

// App returns an app root built once per test process, laid out as `make
// build` lays out dist/: host.json, one folder per function with its
// generated function.json, and the handler.
func App(tb testing.TB) string {
	tb.Helper()
	return once(tb, "app", func(dir string) (string, error) { return dir, layout(dir) })
}

// HandlerIn builds the handler into dir and returns its path.
func HandlerIn(tb testing.TB, dir string) string {
	tb.Helper()
	path, err := buildHandler(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// RemoveAll deletes what Handler and App built; call it from TestMain after m.Run.
func RemoveAll() {
	mu.Lock()
	defer mu.Unlock()
	for _, b := range shared {
		if b.dir != "" {
			os.RemoveAll(b.dir)
		}
	}
}

func once(tb testing.TB, kind string, make func(dir string) (string, error)) string {
	tb.Helper()
	mu.Lock()
	b, ok := shared[kind]
	if !ok {
		b = &build{}
		shared[kind] = b
	}
	mu.Unlock()
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "tenantops-"+kind+"-")
		if b.err == nil {
			b.path, b.err = make(b.dir)
		}
	})
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}

func buildHandler(dir string) (string, error) {
	exe := "handler"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	path := filepath.Join(dir, exe)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", path, Package)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("buildtest: go build: %v\n%s", err, out)
	}
	return path, nil
}

func layout(dir string) error {
	bin, err := buildHandler(dir)
	if err != nil {
		return err
	}
	if out, err := exec.Command(bin, "manifest", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("buildtest: handler manifest: %v\n%s", err, out)
	}
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	hostJSON, err := os.ReadFile(filepath.Join(root, "host.json"))
	if err != nil {
		return fmt.Errorf("buildtest: %w", err)
	}
	if runtime.GOOS == "windows" {
		hostJSON = []byte(strings.Replace(string(hostJSON), `"defaultExecutablePath": "handler"`, `"defaultExecutablePath": "handler.exe"`, 1))
	}
	return os.WriteFile(filepath.Join(dir, "host.json"), hostJSON, 0o644)
}

// ModuleRoot returns the folder holding the module's go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tenantops/tenantops").Output()
	if err != nil {
		return "", fmt.Errorf("buildtest: go list -m: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
