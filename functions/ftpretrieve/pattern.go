package ftpretrieve

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/opstime"
)

// expandDates replaces every {format} or {format:offset} in s with the
// date now (already in the operations zone) written in that .NET format.
// The offset moves the date first: -1d is yesterday (calendar days, so a
// DST change does not shift it), +2h two hours later, -1w a week earlier.
func expandDates(s string, now time.Time) (string, error) {
	var b strings.Builder
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			if strings.IndexByte(s, '}') >= 0 {
				return "", fmt.Errorf("unmatched '}' in %q", s)
			}
			b.WriteString(s)
			return b.String(), nil
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("unclosed '{' in %q", s)
		}
		b.WriteString(s[:open])
		text, err := dateToken(s[open+1:open+end], now)
		if err != nil {
			return "", err
		}
		b.WriteString(text)
		s = s[open+end+1:]
	}
}

// offsetPattern is the optional ":[+-]N[dhw]" part of a token.
var offsetPattern = regexp.MustCompile(`^([+-]\d{1,4})([dhw])$`)

// dateToken renders one token's content: format[:offset].
func dateToken(token string, now time.Time) (string, error) {
	format, offset, hasOffset := strings.Cut(token, ":")
	if hasOffset {
		m := offsetPattern.FindStringSubmatch(strings.TrimSpace(offset))
		if m == nil {
			return "", fmt.Errorf("bad offset %q in {%s}: want e.g. -1d, +2h or -1w", offset, token)
		}
		n, _ := strconv.Atoi(m[1])
		switch m[2] {
		case "d":
			now = now.AddDate(0, 0, n)
		case "w":
			now = now.AddDate(0, 0, 7*n)
		case "h":
			now = now.Add(time.Duration(n) * time.Hour)
		}
	}
	text, err := opstime.Format(now, format)
	if err != nil {
		return "", fmt.Errorf("bad date format in {%s}: %w", token, err)
	}
	return text, nil
}

// glob matches file names the way PowerShell's -like does: * is any run
// of characters, ? one character, [abc] and [a-z] one of a set, [!a] one
// not in it; case is ignored. Unlike path.Match, * also matches '/' and
// '\', so names that carry a path still match and are then rejected by the
// name checks rather than silently ignored.
type glob struct {
	source string
	re     *regexp.Regexp
}

// compileGlob compiles a pattern whose date tokens are already expanded.
func compileGlob(pattern string) (*glob, error) {
	var b strings.Builder
	b.WriteString(`(?is)^`)
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed '[' in %q", pattern)
			}
			set := pattern[i+1 : i+1+end]
			if set == "" {
				return nil, fmt.Errorf("empty '[]' in %q", pattern)
			}
			b.WriteString(charClass(set))
			i += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", pattern, err)
	}
	return &glob{source: pattern, re: re}, nil
}

// charClass turns the inside of [...] into a regexp class.
func charClass(set string) string {
	var b strings.Builder
	b.WriteByte('[')
	if set[0] == '!' || set[0] == '^' {
		b.WriteByte('^')
		set = set[1:]
	}
	for _, r := range set {
		if r == '-' {
			b.WriteRune(r)
			continue
		}
		b.WriteString(regexp.QuoteMeta(string(r)))
	}
	b.WriteByte(']')
	return b.String()
}

// Match reports whether name matches.
func (g *glob) Match(name string) bool { return g.re.MatchString(name) }

// String returns the expanded pattern.
func (g *glob) String() string { return g.source }
