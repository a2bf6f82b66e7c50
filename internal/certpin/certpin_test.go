package certpin

import (
	"strings"
	"testing"
)

func TestParseSHA256(t *testing.T) {
	hex := strings.Repeat("0a1b", 16)
	tests := []struct {
		in, want, err string
	}{
		{hex, hex, ""},
		{strings.ToUpper(hex), hex, ""},
		{"0A:1B:" + strings.Repeat("0a1b", 15), hex, ""},
		{"0a 1b " + strings.Repeat("0a-1b-", 15), hex, ""},
		{strings.Repeat("ab", 20), "", "SHA-1"},
		{strings.Repeat("ab", 31), "", "got 62"},
		{strings.Repeat("xy", 32), "", "64 hex digits"},
	}
	for _, tt := range tests {
		got, err := ParseSHA256(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ParseSHA256(%q) = %q, %v; want %q and an error saying %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}
