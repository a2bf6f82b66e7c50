package infra

import (
	"regexp"
	"strings"
)

// This file reads Bicep as text: just enough of the language to check the
// templates here (parameters, the appSettings object, variables, blocks) without
// a Bicep compiler.

// bicepParam is one `param` declaration.
type bicepParam struct {
	Name       string
	Type       string
	Secure     bool   // decorated with @secure()
	HasDefault bool   // has "= expr"
	DefaultRaw string // the default expression as written
	Default    string // the default's value when it is a literal (string, number, bool)
	Literal    bool   // Default holds a literal's value
}

// stripComments removes // and /* */ comments outside string literals.
func stripComments(src string) string {
	var b strings.Builder
	inString, inBlock := false, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inBlock:
			if c == '*' && i+1 < len(src) && src[i+1] == '/' {
				inBlock = false
				i++
			} else if c == '\n' {
				b.WriteByte(c)
			}
		case inString:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(src) {
				i++
				b.WriteByte(src[i])
			} else if c == '\'' {
				inString = false
			}
		case c == '\'':
			inString = true
			b.WriteByte(c)
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			if i < len(src) {
				b.WriteByte('\n')
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			inBlock = true
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

var paramLine = regexp.MustCompile(`^param\s+([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s*=\s*(.+))?$`)

// parseParams returns the parameters of a Bicep file (comments already stripped), by name.
func parseParams(src string) map[string]bicepParam {
	params := map[string]bicepParam{}
	secure := false
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "@secure()") {
			secure = true
			continue
		}
		if strings.HasPrefix(line, "@") || line == "" {
			continue
		}
		m := paramLine.FindStringSubmatch(line)
		if m == nil {
			secure = false
			continue
		}
		p := bicepParam{Name: m[1], Type: m[2], Secure: secure}
		if m[3] != "" {
			p.HasDefault = true
			p.DefaultRaw = strings.TrimSpace(m[3])
			p.Default, p.Literal = literalValue(p.DefaultRaw)
		}
		params[p.Name] = p
		secure = false
	}
	return params
}

var (
	numberLiteral = regexp.MustCompile(`^-?[0-9]+$`)
	boolLiteral   = regexp.MustCompile(`^(true|false)$`)
)

// literalValue returns the value of a string, number or bool literal, and false
// for any other expression (interpolations and function calls included).
func literalValue(expr string) (string, bool) {
	expr = strings.TrimSpace(expr)
	if numberLiteral.MatchString(expr) || boolLiteral.MatchString(expr) {
		return expr, true
	}
	if len(expr) < 2 || expr[0] != '\'' || expr[len(expr)-1] != '\'' {
		return "", false
	}
	body := expr[1 : len(expr)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\' && i+1 < len(body):
			i++
			switch body[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default: // \\ \' \$
				b.WriteByte(body[i])
			}
		case c == '\'':
			return "", false // the literal ended early: an expression
		case c == '$' && i+1 < len(body) && body[i+1] == '{':
			return "", false // interpolation
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// identifiers returns the identifiers an expression refers to, including those
// inside string interpolations, but not property names after a dot.
func identifiers(expr string) map[string]bool {
	ids := map[string]bool{}
	collectIdentifiers(expr, ids)
	return ids
}

func collectIdentifiers(expr string, ids map[string]bool) {
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '\'':
			i = skipString(expr, i, ids)
		case isIdentStart(c):
			j := i
			for j < len(expr) && isIdentPart(expr[j]) {
				j++
			}
			if i == 0 || expr[i-1] != '.' {
				ids[expr[i:j]] = true
			}
			i = j
		default:
			i++
		}
	}
}

// skipString skips the string literal starting at expr[i] and returns the index
// after it, collecting the identifiers of its interpolations.
func skipString(expr string, i int, ids map[string]bool) int {
	for j := i + 1; j < len(expr); j++ {
		switch {
		case expr[j] == '\\':
			j++
		case expr[j] == '\'':
			return j + 1
		case expr[j] == '$' && j+1 < len(expr) && expr[j+1] == '{':
			end := matching(expr, j+1, '{', '}')
			if end < 0 {
				return len(expr)
			}
			collectIdentifiers(expr[j+2:end], ids)
			j = end
		}
	}
	return len(expr)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// matching returns the index of the bracket that closes the one at src[open],
// skipping string literals, or -1.
func matching(src string, open int, left, right byte) int {
	depth := 0
	for i := open; i < len(src); i++ {
		switch src[i] {
		case '\'':
			for i++; i < len(src) && src[i] != '\''; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case left:
			depth++
		case right:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// block returns the text between the braces of the first `{` after the match of
// head (a regular expression), or "" when head does not match.
func block(src, head string) string {
	loc := regexp.MustCompile(head).FindStringIndex(src)
	if loc == nil {
		return ""
	}
	open := strings.IndexByte(src[loc[0]:], '{')
	if open < 0 {
		return ""
	}
	open += loc[0]
	end := matching(src, open, '{', '}')
	if end < 0 {
		return ""
	}
	return src[open+1 : end]
}

var entryLine = regexp.MustCompile(`^'?([A-Za-z_][A-Za-z0-9_]*)'?\s*:\s*(.*)$`)

// objectEntries returns the top-level `key: value` entries of an object body
// whose values each fit on one line.
func objectEntries(body string) map[string]string {
	entries := map[string]string{}
	depth := 0
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if depth == 0 {
			if m := entryLine.FindStringSubmatch(t); m != nil {
				entries[m[1]] = strings.TrimSpace(m[2])
			}
		}
		depth += strings.Count(t, "{") + strings.Count(t, "[") - strings.Count(t, "}") - strings.Count(t, "]")
	}
	return entries
}

// variable returns the expression of `var name = ...` (one line, or up to the
// bracket that closes a multi-line array or object), or "".
func variable(src, name string) string {
	loc := regexp.MustCompile(`(?m)^var\s+` + regexp.QuoteMeta(name) + `\s*=\s*`).FindStringIndex(src)
	if loc == nil {
		return ""
	}
	rest := src[loc[1]:]
	if len(rest) > 0 && (rest[0] == '[' || rest[0] == '{') {
		right := byte(']')
		if rest[0] == '{' {
			right = '}'
		}
		if end := matching(rest, 0, rest[0], right); end >= 0 {
			return rest[:end+1]
		}
	}
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	return strings.TrimSpace(rest)
}
