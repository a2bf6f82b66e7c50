package devhost

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// The end-to-end tests run the real handler from an app folder laid out as
// `make build` lays out dist/, built once per test run.
var (
	appOnce sync.Once
	appDir  string
	appErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if appDir != "" {
		os.RemoveAll(appDir)
	}
	os.Exit(code)
}

// builtApp returns an app root: host.json, one folder per function, handler.
func builtApp(t testing.TB) string {
	t.Helper()
	appOnce.Do(func() {
		appDir, appErr = os.MkdirTemp("", "devhost-app-")
		if appErr == nil {
			appErr = buildApp(appDir)
		}
	})
	if appErr != nil {
		t.Fatal(appErr)
	}
	return appDir
}

func buildApp(dir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	exe := "handler"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	bin := filepath.Join(dir, exe)
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./handler")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "manifest", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("handler manifest: %v\n%s", err, out)
	}
	return copyFile(filepath.Join(root, "host.json"), filepath.Join(dir, "host.json"))
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
