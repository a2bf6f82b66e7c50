package remoteps

import "strings"

// Literal returns s as a PowerShell single-quoted string literal. Inside
// single quotes only quote characters are special, and PowerShell treats the
// typographic single quotes U+2018, U+2019, U+201A and U+201B as quotes too;
// each is doubled, so the literal always ends where it should.
//
// Prefer passing values as parameters (Run's input); use Literal only where a
// literal must be built into script text.
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
