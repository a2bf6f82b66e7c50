package devhost

import (
	"os"
	"testing"

	"github.com/tenantops/tenantops/internal/testonly/buildtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	buildtest.RemoveAll()
	os.Exit(code)
}

// builtApp returns an app root laid out as `make build` lays out dist/.
func builtApp(t testing.TB) string { return buildtest.App(t) }
