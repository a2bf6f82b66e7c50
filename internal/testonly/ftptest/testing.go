package ftptest

import (
	"os"
	"testing"
)

// VsftpdT starts vsftpd for a test and stops it when the test ends. When
// vsftpd is missing or cannot start, the test fails if CI=true and is
// skipped otherwise.
func VsftpdT(tb testing.TB, opts VsftpdOptions) *Vsftpd {
	tb.Helper()
	v, err := StartVsftpd(tb.TempDir(), opts)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("vsftpd is needed in CI: %v", err)
		}
		tb.Skipf("vsftpd unavailable: %v", err)
	}
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// ServerT starts an in-process server for a test and stops it when the
// test ends.
func ServerT(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.Dir == "" {
		opts.Dir = tb.TempDir()
	}
	s, err := Start(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// ScriptedT starts a Scripted server for a test and stops it when the test
// ends.
func ScriptedT(tb testing.TB, s Script) *Scripted {
	tb.Helper()
	srv, err := StartScripted(s)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	return srv
}
