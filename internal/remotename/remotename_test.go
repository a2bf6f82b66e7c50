package remotename

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"HR_20261125_staff.csv", true},
		{"report 2026.txt", true},
		{"Gehälter_ü.csv", true},
		{".hidden", true},
		{"CONSOLE.txt", true},
		{"a..b", true},
		{"", false},
		{".", false},
		{"..", false},
		{"../../evil.txt", false},
		{"..\\..\\evil.txt", false},
		{"a/b", false},
		{`a\b`, false},
		{"/etc/passwd", false},
		{`\\server\share`, false},
		{"C:evil", false},
		{"nul\x00byte", false},
		{"line\nfeed.csv", false},
		{"bell\x07", false},
		{"del\x7f", false},
		{"c1\u0085", false},
		{"trailing.", false},
		{"trailing ", false},
		{"CON", false},
		{"con", false},
		{"NUL.txt", false},
		{"aux.tar.gz", false},
		{"COM1", false},
		{"lpt9.csv", false},
		{"COM¹", false},
		{"CON .txt", false},
		{"CONIN$", false},
		{"a<b", false},
		{"a>b", false},
		{"a:b", false},
		{`a"b`, false},
		{"a|b", false},
		{"a?b", false},
		{"a*b", false},
		{"\xff\xfe", false},
		{" ", false},
		{"...", false},
		{"a.b.", false},
		{"name  ", false},
		{"name. ", false},
		{"x\x00", false},
		{"\x00", false},
		{"tab\tname.csv", false},
		{"CONOUT$.log", false},
		{"Lpt3 .csv", false},
		{"com0", false},
		{"file.csv:stream", false},
		{strings.Repeat("a", 255), true},
		{strings.Repeat("a", 256), false},
		{strings.Repeat("ä", 255), true},
		{strings.Repeat("😀", 128), false}, // 256 UTF-16 units
	}
	tests = append(tests, shortNameCases...)
	tests = append(tests, formatCharCases...)
	for _, tt := range tests {
		err := Check(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrUnsafe) {
			t.Errorf("Check(%q) error %v does not wrap ErrUnsafe", tt.name, err)
		}
	}
}

// shortNameCases: names shaped like generated 8.3 short names are refused,
// in any case; ordinary names with a tilde are not.
var shortNameCases = []struct {
	name string
	ok   bool
}{
	{"STAFF~1.CSV", false},
	{"staff~1.csv", false},
	{"PROGRA~1", false},
	{"ABCDEF~12.TXT", false},
	{"LONGF~10.TXT", false},
	{"AB12CD~5.DAT", false},
	{"~$BUDG~1.XLS", false},
	{"X~999999", false},
	{"HR~3.C", false},
	{"~$budget.xlsx", true},
	{"notes~.txt", true},
	{"a~b.csv", true},
	{"~1", true},
	{"file.csv~", true},
	{"backup~old.csv", true},
	{"report~2.xlsx", true},
	{"ABCDEFG~1.TXT", true},
	{"STAFF~01.CSV", true},
	{"STAFF~1.tar.gz", true},
	{"STAFF~1x.CSV", true},
	{"X~1234567", true},
	{"HR_2026~11~30.csv", true},
}

// formatCharCases: every character of Unicode category Cf is refused.
var formatCharCases = []struct {
	name string
	ok   bool
}{
	{"invoice\u202Ecsv.exe", false},
	{"zero\u200Bwidth.csv", false},
	{"zw\u200Cnj.csv", false},
	{"zw\u200Dj.csv", false},
	{"\uFEFFbom.csv", false},
	{"word\u2060joiner.csv", false},
	{"soft\u00ADhyphen.csv", false},
	{"lrm\u200E.csv", false},
	{"isolate\u2066x\u2069.csv", false},
	{"tag\U000E0041.csv", false},
	{"arabic\u0600sign.csv", false},
	{"Gehälter_ü.csv", true},
	{"日本語.csv", true},
}

func TestCheckNamesTheFormatCharacter(t *testing.T) {
	err := Check("report\u202Ecsv.exe")
	if err == nil || !strings.Contains(err.Error(), "U+202E") || !strings.Contains(err.Error(), "format character") {
		t.Fatalf("got %v, want an error naming U+202E as a format character", err)
	}
	err = Check("STAFF~1.CSV")
	if err == nil || !strings.Contains(err.Error(), "short name") {
		t.Fatalf("got %v, want an error about short names", err)
	}
}

func TestCheckPath(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"", true},
		{"2026-11-25", true},
		{`2026\11\25`, true},
		{"2026/11/25", true},
		{"../x", false},
		{"/abs", false},
		{`\abs`, false},
		{"a/CON", false},
		{"a/b./c", false},
	}
	for _, tt := range tests {
		if err := CheckPath(tt.path); (err == nil) != tt.ok {
			t.Errorf("CheckPath(%q) = %v, want ok=%v", tt.path, err, tt.ok)
		}
	}
}
