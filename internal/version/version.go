// Package version holds tenantops' version, set at build time with
// -ldflags "-X github.com/tenantops/tenantops/internal/version.Version=v1.2.3".
package version

// Version is the build's version; "dev" for an untagged build.
var Version = "dev"

// UserAgent is the decorated User-Agent that Microsoft asks unattended
// SharePoint callers to send: NONISV|<company>|<app>/<version>.
func UserAgent() string { return "NONISV|tenantops|tenantops/" + Version }
