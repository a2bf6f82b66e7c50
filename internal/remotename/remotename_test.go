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
