package winrmtest_test

import (
	"testing"

	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

func TestLiteral(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "''"},
		{"plain", "'plain'"},
		{"O'Brien", "'O''Brien'"},
		{"a\u2019b", "'a\u2019\u2019b'"},
		{"\u2018\u201A\u201B", "'\u2018\u2018\u201A\u201A\u201B\u201B'"},
		{"$(Remove-Item C:\\) `n; \"x\"", "'$(Remove-Item C:\\) `n; \"x\"'"},
	}
	for _, tt := range tests {
		if got := winrmtest.Literal(tt.in); got != tt.want {
			t.Errorf("Literal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
