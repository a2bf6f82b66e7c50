package settings

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/opstime"
	"github.com/tenantops/tenantops/internal/remotename"
	"github.com/tenantops/tenantops/internal/schedule"
)

// Validate reads every one of specs as its Kind says, applies each spec's
// Check, and returns one *Error naming each setting that is missing (when
// Required, or when one of its RequiredWhen conditions holds) or
// malformed, with the reason; or nil.
func Validate(env Env, specs []Spec) error {
	p := NewParser(env)
	for _, s := range specs {
		p.Validate(s)
	}
	return p.Err()
}

// Validate reads one setting as its spec describes and records every
// problem with it; it returns the value (or default) it read.
func (p *Parser) Validate(s Spec) string {
	v := p.Raw(s)
	if v == "" {
		if cond, ok := p.requiredBy(s); ok {
			p.Fail(s, "missing (required when "+cond.String()+")")
		}
		return v
	}
	if _, bad := p.problems[s.Name]; bad {
		return v
	}
	if why := p.kindProblem(s, v); why != "" {
		p.Fail(s, why)
		return v
	}
	if s.Check != nil {
		if err := s.Check(v); err != nil {
			p.Fail(s, err.Error())
		}
	}
	return v
}

// requiredBy returns the first of s's RequiredWhen conditions that holds.
func (p *Parser) requiredBy(s Spec) (Condition, bool) {
	for _, c := range s.RequiredWhen {
		value, _ := p.env.Lookup(c.Setting)
		value = strings.TrimSpace(value)
		if len(c.Values) == 0 {
			if value != "" {
				return c, true
			}
			continue
		}
		if value == "" {
			if other, ok := ByName(c.Setting); ok {
				value = other.Default
			}
		}
		for _, want := range c.Values {
			if strings.EqualFold(value, want) {
				return c, true
			}
		}
	}
	return Condition{}, false
}

// kindProblem says what is wrong with a non-empty value of s's Kind, or "".
// Readers that record their own problem (Bool, Int, …) return "".
func (p *Parser) kindProblem(s Spec, v string) string {
	switch s.Kind {
	case Bool:
		p.Bool(s)
	case Int, Port:
		p.Int(s)
	case Duration:
		p.Duration(s)
	case Enum:
		p.OneOf(s)
	case HTTPSURL, HTTPURL:
		return urlProblem(s, v)
	case Certificates:
		p.Certificates(s)
	case Fingerprint:
		p.Fingerprint(s)
	case TimeZone:
		if s.Name != WebsiteTimeZone.Name || !p.Set(OpsTimeZone) {
			p.Location(s) // WEBSITE_TIME_ZONE matters only when OpsTimeZone is unset
		}
	case DateFormat:
		if err := opstime.Validate(v); err != nil {
			return err.Error()
		}
	case FolderDateFormat:
		return folderFormatProblem(v)
	case Schedule:
		sched, err := schedule.Parse(v)
		if err != nil {
			return err.Error() + " (the host would not start this timer)"
		}
		if _, interval := sched.Interval(); interval {
			return fmt.Sprintf("%q is a TimeSpan, which the host takes only on an App Service plan, not on the Flex "+
				"Consumption plan this app runs on: want an NCRONTAB expression such as 0 */5 * * * *", v)
		}
	case ContainerName, QueueName:
		if !storageName.MatchString(v) {
			return fmt.Sprintf("want a %s name: 3-63 lower-case letters, digits and single hyphens, got %q", s.Describe(), p.shown(s, v))
		}
	}
	return ""
}

// storageName is Azure Storage's rule for container and queue names.
var storageName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

func urlProblem(s Spec, v string) string {
	u, err := url.Parse(v)
	ok := err == nil && u.Host != "" && u.User == nil
	switch s.Kind {
	case HTTPSURL:
		ok = ok && (strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "http") && isLoopback(u.Hostname()))
	default:
		ok = ok && (strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "http"))
	}
	if ok {
		return ""
	}
	example := s.Example
	if example == "" {
		example = s.Default
	}
	want := "an absolute " + s.Describe()
	if example != "" {
		want += " such as " + example
	}
	if s.Secret {
		return "want " + want
	}
	return fmt.Sprintf("want %s, got %q", want, v)
}

// isLoopback reports whether host names this machine, where a local
// stand-in may listen on plain HTTP; no data leaves the machine there.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// folderFormatProblem checks a .NET date format that names one folder: it
// must parse, and a date written with it must be a plain folder name on
// Windows (no separators, no characters Windows forbids).
func folderFormatProblem(format string) string {
	if err := opstime.Validate(format); err != nil {
		return err.Error()
	}
	sample := time.Date(2026, 12, 31, 23, 59, 58, 0, time.UTC)
	name, err := opstime.Format(sample, format)
	if err != nil {
		return err.Error()
	}
	if err := remotename.Check(name); err != nil {
		return fmt.Sprintf("want a format that gives one plain folder name (no \\ / : * ? \" < > |), but %q gives %q", format, name)
	}
	return ""
}
