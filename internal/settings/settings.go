// Package settings reads tenantops' app settings into typed values.
//
// Every setting the code reads is declared once, as a Spec in catalog.go:
// its default, whether it is a secret, when it is required, the kind of
// value it takes (schedule, URL, enum, PEM, …) and its help text. Validation
// (Validate), the log redactor's list of secrets, `handler check`, the
// README's settings table and local.settings.json.example all come from
// those specs. A Parser reads specs from an Env and collects every problem,
// so a run with bad settings stops with one error that names each bad
// setting and why.
package settings

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/schedule"
)

// Env looks up app settings by name. The zero-configuration implementation
// is OSEnv; tests use MapEnv.
type Env interface {
	Lookup(name string) (string, bool)
}

// OSEnv reads the process environment, where the Functions host puts app settings.
type OSEnv struct{}

// Lookup implements Env.
func (OSEnv) Lookup(name string) (string, bool) { return os.LookupEnv(name) }

// MapEnv is an Env backed by a map.
type MapEnv map[string]string

// Lookup implements Env.
func (m MapEnv) Lookup(name string) (string, bool) {
	v, ok := m[name]
	return v, ok
}

// Error names every bad setting of one load, sorted by name.
type Error struct {
	Problems map[string]string // setting name -> why
}

func (e *Error) Error() string {
	names := make([]string, 0, len(e.Problems))
	for n := range e.Problems {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ": " + e.Problems[n]
	}
	return fmt.Sprintf("settings: %d bad setting(s): %s", len(names), strings.Join(parts, "; "))
}

// Parser reads settings and collects every problem. Its getters return the
// zero value for a bad setting; call Err once at the end.
type Parser struct {
	env      Env
	problems map[string]string
}

// NewParser returns a Parser reading from env (OSEnv when nil).
func NewParser(env Env) *Parser {
	if env == nil {
		env = OSEnv{}
	}
	return &Parser{env: env, problems: map[string]string{}}
}

// Fail records a problem with a setting. Only the first problem per setting is kept.
func (p *Parser) Fail(s Spec, why string) {
	if _, seen := p.problems[s.Name]; !seen {
		p.problems[s.Name] = why
	}
}

// Err returns an *Error naming every bad setting, or nil.
func (p *Parser) Err() error {
	if len(p.problems) == 0 {
		return nil
	}
	copied := make(map[string]string, len(p.problems))
	for k, v := range p.problems {
		copied[k] = v
	}
	return &Error{Problems: copied}
}

// Raw returns the value or the default; it records a problem when a
// required setting is empty. Values are trimmed of surrounding white space,
// except secrets: a password may begin or end with a space, so a secret
// loses only a trailing line break (which no password typed at a prompt
// holds, and which a secret stored from a file often has).
func (p *Parser) Raw(s Spec) string {
	v, _ := p.env.Lookup(s.Name)
	v = clean(s, v)
	if IsKeyVaultReference(strings.TrimSpace(v)) {
		p.Fail(s, "an unresolved Key Vault reference: the platform passes the reference text on when the "+
			"app's identity cannot read the secret or the reference is wrong (see the app setting's Key Vault reference status)")
		v = ""
	}
	if v == "" {
		v = s.Default
	}
	if v == "" && s.Required {
		p.Fail(s, "missing")
	}
	return v
}

// clean trims a value as Raw describes. A secret of nothing but white
// space counts as empty.
func clean(s Spec, v string) string {
	if !s.Secret {
		return strings.TrimSpace(v)
	}
	if strings.TrimSpace(v) == "" {
		return ""
	}
	return strings.TrimRight(v, "\r\n")
}

// IsKeyVaultReference reports whether v is an app setting's
// @Microsoft.KeyVault(...) reference text, which the platform leaves in place
// of the secret when it cannot resolve it.
func IsKeyVaultReference(v string) bool {
	return len(v) >= len("@Microsoft.KeyVault(") && strings.EqualFold(v[:len("@Microsoft.KeyVault(")], "@Microsoft.KeyVault(")
}

// Set reports whether the setting has a non-empty value of its own.
func (p *Parser) Set(s Spec) bool {
	v, _ := p.env.Lookup(s.Name)
	return clean(s, v) != ""
}

// Require records a problem when the setting has no value (its own or its
// default), for settings that are required only in some configurations.
func (p *Parser) Require(s Spec, because string) string {
	v := p.Raw(s)
	if v == "" {
		p.Fail(s, "missing ("+because+")")
	}
	return v
}

// String returns the setting's value.
func (p *Parser) String(s Spec) string { return p.Raw(s) }

// Int returns the setting as a non-negative integer within the spec's
// bounds: Min and Max, or 1 to 65535 for a Port. A value out of them is a
// problem, so no reader repeats the catalog's bounds.
func (p *Parser) Int(s Spec) int {
	v := p.Raw(s)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.Fail(s, fmt.Sprintf("want a non-negative whole number, got %q", p.shown(s, v)))
		return 0
	}
	if why := boundsProblem(s, n); why != "" {
		p.Fail(s, why)
		return 0
	}
	return n
}

// boundsProblem says why n is outside s's bounds, or "".
func boundsProblem(s Spec, n int) string {
	lo, hi := s.Min, s.Max
	if s.Kind == Port {
		lo, hi = 1, 65535
	}
	switch {
	case hi > 0 && (n < lo || n > hi):
		if s.Kind == Port {
			return fmt.Sprintf("want a TCP port from 1 to 65535, got %d", n)
		}
		return fmt.Sprintf("want a whole number from %d to %d, got %d", lo, hi, n)
	case n < lo:
		return fmt.Sprintf("want at least %d, got %d", lo, n)
	}
	return ""
}

// Bool returns the setting as a boolean: true or false, in any case, as
// .NET reads app settings. Anything else ("yes", "1") is a problem, so a
// setting never means something other than what its writer thought.
func (p *Parser) Bool(s Spec) bool {
	v := strings.ToLower(p.Raw(s))
	switch v {
	case "", "false":
		return false
	case "true":
		return true
	}
	p.Fail(s, fmt.Sprintf("want true or false, got %q", p.shown(s, v)))
	return false
}

// Duration returns the setting as a Go duration ("2m", "90s") or a .NET
// TimeSpan ("00:02:00").
func (p *Parser) Duration(s Spec) time.Duration {
	v := p.Raw(s)
	if v == "" {
		return 0
	}
	d, err := ParseDuration(v)
	if err != nil || d < 0 {
		p.Fail(s, fmt.Sprintf("want a duration such as 2m or 00:02:00, got %q", p.shown(s, v)))
		return 0
	}
	return d
}

// OneOf returns the lower-cased setting, which must be one of allowed, or
// when none are given one of the spec's Allowed values.
func (p *Parser) OneOf(s Spec, allowed ...string) string {
	if len(allowed) == 0 {
		allowed = s.Allowed
	}
	v := strings.ToLower(p.Raw(s))
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.Fail(s, fmt.Sprintf("want one of %s, got %q", strings.Join(allowed, ", "), p.shown(s, v)))
	return ""
}

// Location returns the setting as a time zone, accepting IANA and Windows names.
func (p *Parser) Location(s Spec) *time.Location {
	v := p.Raw(s)
	if v == "" {
		return time.UTC
	}
	loc, err := LoadLocation(v)
	if err != nil {
		p.Fail(s, err.Error())
		return time.UTC
	}
	return loc
}

// shown returns what an error may quote of a value: never a secret.
func (p *Parser) shown(s Spec, v string) string {
	if s.Secret {
		return "<redacted>"
	}
	return v
}

// ParseDuration accepts Go durations ("2m", "90s") and .NET TimeSpans.
func ParseDuration(v string) (time.Duration, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return d, nil
	}
	return ParseTimeSpan(v)
}

// ParseTimeSpan reads a .NET TimeSpan ("00:02:00", "1.02:00:00", "00:00:00.5").
func ParseTimeSpan(text string) (time.Duration, error) { return schedule.ParseTimeSpan(text) }

// SecretValues returns the non-empty values of every secret setting in specs,
// for a log redactor.
func SecretValues(env Env, specs []Spec) []string {
	var out []string
	for _, s := range specs {
		if !s.Secret {
			continue
		}
		if v, ok := env.Lookup(s.Name); ok && strings.TrimSpace(v) != "" {
			out = append(out, v, clean(s, v))
			out = append(out, connectionStringSecrets(v)...)
		}
	}
	return out
}

// secretKeys are the parts of a connection string that are secrets on
// their own, so an error quoting just the key is redacted too.
var secretKeys = []string{"accountkey", "sharedaccesskey", "sharedaccesssignature", "password", "pwd", "clientsecret"}

// sasSignatures returns the sig parameter of a shared access signature, as
// written and unescaped, since a URL quoted in an error may carry the token
// in another order or encoding.
func sasSignatures(sas string) []string {
	var out []string
	for _, param := range strings.Split(strings.TrimPrefix(strings.TrimSpace(sas), "?"), "&") {
		name, sig, ok := strings.Cut(param, "=")
		if !ok || !strings.EqualFold(name, "sig") || sig == "" {
			continue
		}
		out = append(out, sig)
		if plain, err := url.QueryUnescape(sig); err == nil && plain != sig {
			out = append(out, plain, url.QueryEscape(plain))
		}
	}
	return out
}

// connectionStringSecrets returns the secret parts of a key=value;… value.
func connectionStringSecrets(v string) []string {
	if !strings.Contains(v, ";") || !strings.Contains(v, "=") {
		return nil
	}
	var out []string
	for _, part := range strings.Split(v, ";") {
		key, value, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(value) == "" {
			continue
		}
		for _, k := range secretKeys {
			if strings.EqualFold(strings.TrimSpace(key), k) {
				out = append(out, strings.TrimSpace(value))
			}
		}
		if strings.EqualFold(strings.TrimSpace(key), "sharedaccesssignature") {
			out = append(out, sasSignatures(value)...)
		}
	}
	return out
}

// Certificates returns a setting holding one or more PEM certificates. A
// value pasted on one line with literal "\n" escapes (as portals and
// pipelines often store it) is accepted too.
func (p *Parser) Certificates(s Spec) []byte {
	text := p.Raw(s)
	if text == "" {
		return nil
	}
	pemText := []byte(strings.ReplaceAll(text, `\n`, "\n"))
	if !x509.NewCertPool().AppendCertsFromPEM(pemText) {
		p.Fail(s, "want one or more PEM certificates (-----BEGIN CERTIFICATE-----)")
		return nil
	}
	return pemText
}
