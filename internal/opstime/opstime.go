// Package opstime formats and parses dates with .NET custom date format
// strings ("yyyy-MM-dd-HHmm"), the notation the original scripts and their
// operators use for folder names and file-name tokens.
package opstime

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// token is one run of a format: a field such as "yyyy", or a literal.
type token struct {
	field   string // "" for a literal
	literal string
}

// fields are the supported specifiers, longest first within each letter.
var fields = []string{"yyyy", "yy", "MMMM", "MMM", "MM", "M", "dddd", "ddd", "dd", "d",
	"HH", "H", "hh", "h", "mm", "m", "ss", "s", "fff", "ff", "f", "tt"}

// parse splits a .NET format into tokens. Quoted text ('...' or "...") and
// backslash-escaped characters are literals; letters that are not specifiers
// are rejected so that a typo does not silently become text.
func parse(layout string) ([]token, error) {
	if layout == "" {
		return nil, fmt.Errorf("opstime: empty date format")
	}
	var out []token
	for i := 0; i < len(layout); {
		c := layout[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(layout[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("opstime: unclosed quote in date format %q", layout)
			}
			out = append(out, token{literal: layout[i+1 : i+1+end]})
			i += end + 2
		case c == '\\':
			if i+1 >= len(layout) {
				return nil, fmt.Errorf("opstime: trailing backslash in date format %q", layout)
			}
			out = append(out, token{literal: layout[i+1 : i+2]})
			i += 2
		case isLetter(c):
			f := matchField(layout[i:])
			if f == "" {
				return nil, fmt.Errorf("opstime: unknown specifier %q in date format %q", string(c), layout)
			}
			out = append(out, token{field: f})
			i += len(f)
		default:
			out = append(out, token{literal: string(c)})
			i++
		}
	}
	return out, nil
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func matchField(s string) string {
	for _, f := range fields {
		if strings.HasPrefix(s, f) {
			return f
		}
	}
	return ""
}

// Validate reports whether layout is a supported .NET date format.
func Validate(layout string) error {
	_, err := parse(layout)
	return err
}

// Format renders t with a .NET date format.
func Format(t time.Time, layout string) (string, error) {
	tokens, err := parse(layout)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, tk := range tokens {
		if tk.field == "" {
			b.WriteString(tk.literal)
			continue
		}
		b.WriteString(formatField(t, tk.field))
	}
	return b.String(), nil
}

func formatField(t time.Time, f string) string {
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch f {
	case "yyyy":
		return fmt.Sprintf("%04d", t.Year())
	case "yy":
		return fmt.Sprintf("%02d", t.Year()%100)
	case "MMMM":
		return t.Month().String()
	case "MMM":
		return t.Month().String()[:3]
	case "MM":
		return fmt.Sprintf("%02d", int(t.Month()))
	case "M":
		return strconv.Itoa(int(t.Month()))
	case "dddd":
		return t.Weekday().String()
	case "ddd":
		return t.Weekday().String()[:3]
	case "dd":
		return fmt.Sprintf("%02d", t.Day())
	case "d":
		return strconv.Itoa(t.Day())
	case "HH":
		return fmt.Sprintf("%02d", t.Hour())
	case "H":
		return strconv.Itoa(t.Hour())
	case "hh":
		return fmt.Sprintf("%02d", hour12)
	case "h":
		return strconv.Itoa(hour12)
	case "mm":
		return fmt.Sprintf("%02d", t.Minute())
	case "m":
		return strconv.Itoa(t.Minute())
	case "ss":
		return fmt.Sprintf("%02d", t.Second())
	case "s":
		return strconv.Itoa(t.Second())
	case "fff", "ff", "f":
		ms := fmt.Sprintf("%03d", t.Nanosecond()/int(time.Millisecond))
		return ms[:len(f)]
	case "tt":
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	}
	return ""
}

// Parse reads a string written with a .NET date format, in loc. It accepts
// only the exact shape the format produces.
func Parse(layout, value string, loc *time.Location) (time.Time, error) {
	tokens, err := parse(layout)
	if err != nil {
		return time.Time{}, err
	}
	var pattern strings.Builder
	pattern.WriteString("^")
	for _, tk := range tokens {
		if tk.field == "" {
			pattern.WriteString(regexp.QuoteMeta(tk.literal))
			continue
		}
		pattern.WriteString("(" + fieldPattern(tk.field) + ")")
	}
	pattern.WriteString("$")
	m := regexp.MustCompile(pattern.String()).FindStringSubmatch(value)
	if m == nil {
		return time.Time{}, fmt.Errorf("opstime: %q does not match date format %q", value, layout)
	}
	return build(tokens, m[1:], loc, value, layout)
}

func fieldPattern(f string) string {
	switch f {
	case "yyyy":
		return `\d{4}`
	case "MMMM", "dddd":
		return `[A-Za-z]+`
	case "MMM", "ddd":
		return `[A-Za-z]{3}`
	case "tt":
		return `AM|PM`
	case "fff":
		return `\d{3}`
	case "ff":
		return `\d{2}`
	case "f":
		return `\d`
	}
	if len(f) == 2 {
		return `\d{2}`
	}
	return `\d{1,2}`
}

func build(tokens []token, groups []string, loc *time.Location, value, layout string) (time.Time, error) {
	year, month, day, hour, minute, second, nsec := 1, 1, 1, 0, 0, 0, 0
	pm, hasTT := false, false
	g := 0
	for _, tk := range tokens {
		if tk.field == "" {
			continue
		}
		v := groups[g]
		g++
		n, _ := strconv.Atoi(v)
		switch tk.field {
		case "yyyy":
			year = n
		case "yy":
			year = 2000 + n
		case "MMMM", "MMM":
			found := false
			for m := time.January; m <= time.December; m++ {
				if strings.EqualFold(m.String(), v) || strings.EqualFold(m.String()[:3], v) {
					month, found = int(m), true
				}
			}
			if !found {
				return time.Time{}, fmt.Errorf("opstime: %q: unknown month %q", value, v)
			}
		case "MM", "M":
			month = n
		case "dd", "d":
			day = n
		case "HH", "H", "hh", "h":
			hour = n
		case "mm", "m":
			minute = n
		case "ss", "s":
			second = n
		case "fff", "ff", "f":
			for range 3 - len(tk.field) {
				n *= 10
			}
			nsec = n * int(time.Millisecond)
		case "tt":
			hasTT, pm = true, v == "PM"
		}
	}
	if hasTT {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, nsec, loc)
	if t.Month() != time.Month(month) || t.Day() != day || t.Hour() != hour || t.Minute() != minute {
		return time.Time{}, fmt.Errorf("opstime: %q is not a real date for format %q", value, layout)
	}
	return t, nil
}
