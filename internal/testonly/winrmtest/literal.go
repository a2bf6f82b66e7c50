package winrmtest

import "strings"

// Literal returns s as a PowerShell single-quoted string literal. Inside
// single quotes only quote characters are special, and PowerShell treats the
// typographic single quotes U+2018, U+2019, U+201A and U+201B as quotes too;
// each is doubled, so the literal always ends where it should.
//
// The product never builds values into script text (remoteps passes them
// as JSON parameters on stdin); the script tests use Literal to bind sample
// parameters before they parse a script.
func Literal(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}
