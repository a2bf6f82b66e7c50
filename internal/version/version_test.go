package version

import "testing"

func TestUserAgentNamesTheVersion(t *testing.T) {
	old := Version
	t.Cleanup(func() { Version = old })
	Version = "v1.2.3"
	if got, want := UserAgent(), "NONISV|tenantops|tenantops/v1.2.3"; got != want {
		t.Errorf("UserAgent() = %q, want %q", got, want)
	}
}
