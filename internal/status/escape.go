package status

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s with everything a terminal would act on instead of
// show written as an escape: C0 and C1 control characters (so ESC and CSI
// sequences, which can clear or retitle the screen, appear as \x1b and
// \u009b), DEL, invisible format characters such as the bidi controls
// U+202A..U+202E and U+2066..U+2069 (which reorder what is shown), line and
// paragraph separators, and bytes that are not UTF-8. A backslash is
// doubled, so an escape in the output always means one of these.
// Record text comes from remote servers (an FTP reply, a SharePoint error)
// and reaches the operator's terminal only through this.
func Printable(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r == '\\' || unsafeRune(r) {
			return true
		}
	}
	return false
}

// unsafeRune reports a character a terminal acts on or hides.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}
