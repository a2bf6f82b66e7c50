package remotename

import (
	"strings"
	"testing"
	"unicode"
)

// TestRules lists every rule Check applies, each with a name it refuses and
// the words the refusal must carry, so each rule is shown to fire on its own.
func TestRules(t *testing.T) {
	tests := []struct {
		rule, name, why string
	}{
		{"empty", "", "empty"},
		{"directory reference", "..", "directory reference"},
		{"valid UTF-8", "a\xffb.csv", "UTF-8"},
		{"absolute path", "/etc/passwd", "absolute"},
		{"drive-qualified path", "C:evil", "drive-qualified"},
		{"C0 control", "a\x1bb.csv", "control character"},
		{"DEL", "a\x7fb.csv", "control character"},
		{"C1 control", "a\u009bb.csv", "control character"},
		{"format character (Cf)", "invoice\u202Ecsv.exe", "U+202E, an invisible format character"},
		{"default-ignorable: soft hyphen", "a\u00ADb.csv", "U+00AD"},
		{"default-ignorable: combining grapheme joiner", "a\u034Fb.csv", "U+034F, a default-ignorable"},
		{"default-ignorable: Hangul choseong filler", "\u115F.csv", "U+115F, a default-ignorable"},
		{"default-ignorable: Hangul jungseong filler", "a\u1160.csv", "U+1160, a default-ignorable"},
		{"default-ignorable: Khmer inherent vowel", "a\u17B4.csv", "U+17B4, a default-ignorable"},
		{"default-ignorable: Mongolian variation selector", "a\u180Bb.csv", "U+180B, a default-ignorable"},
		{"default-ignorable: Hangul filler", "\u3164", "U+3164, a default-ignorable"},
		{"default-ignorable: variation selector", "a\uFE0Fb.csv", "U+FE0F, a default-ignorable"},
		{"default-ignorable: halfwidth Hangul filler", "\uFFA0.csv", "U+FFA0, a default-ignorable"},
		{"default-ignorable: reserved U+FFF0", "a\uFFF0.csv", "U+FFF0, a default-ignorable"},
		{"default-ignorable: reserved U+2065", "a\u2065.csv", "U+2065, a default-ignorable"},
		{"default-ignorable: variation selector 17", "a\U000E0100.csv", "U+E0100, a default-ignorable"},
		{"default-ignorable: reserved tag block", "a\U000E0FFF.csv", "U+E0FFF, a default-ignorable"},
		{"look-alike blank: Braille pattern blank", "\u2800.csv", "BRAILLE PATTERN BLANK"},
		{"look-alike blank: line separator", "a\u2028b.csv", "LINE SEPARATOR"},
		{"path separator", "a/b", "path separator"},
		{"character Windows forbids", "ab|c", "does not allow"},
		{"ends in a dot", "report.", "ends in a dot or a space"},
		{"ends in a space", "report ", "ends in a dot or a space"},
		{"ends in a no-break space", "report.csv\u00A0", "ends in U+00A0"},
		{"ends in an ideographic space", "report.csv\u3000", "ends in U+3000"},
		{"ends in an em space", "report.csv\u2003", "ends in U+2003"},
		{"device name", "NUL.txt", "device name"},
		{"too long", strings.Repeat("a", MaxLength+1), "Windows allows 255"},
		{"8.3 short name", "PROGRA~1", "short name"},
	}
	for _, tt := range tests {
		err := Check(tt.name)
		if err == nil || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("%s: Check(%q) = %v, want an error saying %q", tt.rule, tt.name, err, tt.why)
		}
	}
}

// TestBlanksInsideAreNames: a space or no-break space inside a name, or a
// leading one, is an ordinary character; only the end is checked.
func TestBlanksInsideAreNames(t *testing.T) {
	for _, name := range []string{"a\u00A0b.csv", "report 2026.csv", "\u3000lead.csv", "é\u0301.csv", "⠁braille.csv"} {
		if err := Check(name); err != nil {
			t.Errorf("Check(%q) = %v, want nil", name, err)
		}
	}
}

// TestDefaultIgnorableTable checks the copied table against its source's
// size (4,174 code points) and against how Unicode derives the property from
// the tables Go carries: Other_Default_Ignorable_Code_Point + Cf +
// Variation_Selector - White_Space - FFF9..FFFB - 13430..1343F -
// Prepended_Concatenation_Mark. Every code point of it is refused.
func TestDefaultIgnorableTable(t *testing.T) {
	count := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		in := unicode.Is(defaultIgnorable, r)
		if in {
			count++
			if err := Check("a" + string(r) + "b"); err == nil {
				t.Errorf("U+%04X is default-ignorable but Check accepts it", r)
			}
		}
		derived := (unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Cf, r) ||
			unicode.Is(unicode.Variation_Selector, r)) && !unicode.Is(unicode.White_Space, r) &&
			!(r >= 0xFFF9 && r <= 0xFFFB) && !(r >= 0x13430 && r <= 0x1343F) &&
			!unicode.Is(unicode.Prepended_Concatenation_Mark, r)
		if derived && !in {
			t.Errorf("U+%04X is derived default-ignorable from Go's tables but missing from the table", r)
		}
	}
	if count != 4174 {
		t.Errorf("the table holds %d code points, DerivedCoreProperties.txt lists 4174", count)
	}
}
