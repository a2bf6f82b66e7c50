package remotename

import "unicode"

// defaultIgnorable is the Unicode property Default_Ignorable_Code_Point,
// copied from DerivedCoreProperties.txt of the Unicode Character Database
// (Unicode 15.1.0; 4,174 code points; unchanged in 16.0.0). These are code
// points a renderer shows as nothing when it has no glyph for them: fillers
// (U+115F, U+1160, U+3164, U+FFA0), joiners, variation selectors, bidi
// controls, tags, and the ranges Unicode keeps for more of the same. Go's
// unicode package has only Other_Default_Ignorable_Code_Point, one of the
// inputs the derived property is made from.
var defaultIgnorable = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x00AD, Hi: 0x00AD, Stride: 1}, // SOFT HYPHEN
		{Lo: 0x034F, Hi: 0x034F, Stride: 1}, // COMBINING GRAPHEME JOINER
		{Lo: 0x061C, Hi: 0x061C, Stride: 1}, // ARABIC LETTER MARK
		{Lo: 0x115F, Hi: 0x1160, Stride: 1}, // HANGUL CHOSEONG FILLER..HANGUL JUNGSEONG FILLER
		{Lo: 0x17B4, Hi: 0x17B5, Stride: 1}, // KHMER VOWEL INHERENT AQ..AA
		{Lo: 0x180B, Hi: 0x180F, Stride: 1}, // MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
		{Lo: 0x200B, Hi: 0x200F, Stride: 1}, // ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK
		{Lo: 0x202A, Hi: 0x202E, Stride: 1}, // LEFT-TO-RIGHT EMBEDDING..RIGHT-TO-LEFT OVERRIDE
		{Lo: 0x2060, Hi: 0x206F, Stride: 1}, // WORD JOINER..NOMINAL DIGIT SHAPES (with reserved U+2065)
		{Lo: 0x3164, Hi: 0x3164, Stride: 1}, // HANGUL FILLER
		{Lo: 0xFE00, Hi: 0xFE0F, Stride: 1}, // VARIATION SELECTOR-1..16
		{Lo: 0xFEFF, Hi: 0xFEFF, Stride: 1}, // ZERO WIDTH NO-BREAK SPACE
		{Lo: 0xFFA0, Hi: 0xFFA0, Stride: 1}, // HALFWIDTH HANGUL FILLER
		{Lo: 0xFFF0, Hi: 0xFFF8, Stride: 1}, // reserved
	},
	R32: []unicode.Range32{
		{Lo: 0x1BCA0, Hi: 0x1BCA3, Stride: 1}, // SHORTHAND FORMAT LETTER OVERLAP..UP STEP
		{Lo: 0x1D173, Hi: 0x1D17A, Stride: 1}, // MUSICAL SYMBOL BEGIN BEAM..END PHRASE
		{Lo: 0xE0000, Hi: 0xE0FFF, Stride: 1}, // LANGUAGE TAG, TAGS, VARIATION SELECTOR-17..256, reserved
	},
}

// lookAlikeBlanks are characters that are not default-ignorable yet show
// as an empty cell in common fonts, so a name made of them looks empty.
var lookAlikeBlanks = map[rune]string{
	0x2800: "BRAILLE PATTERN BLANK",
	0x2028: "LINE SEPARATOR",
	0x2029: "PARAGRAPH SEPARATOR",
}
