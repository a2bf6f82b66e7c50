package sharepoint_test

import (
	"testing"

	"github.com/tenantops/tenantops/internal/sharepoint"
)

func TestSameList(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"482e418a-0900-414b-8902-02248c2e44e8", "{482E418A-0900-414B-8902-02248C2E44E8}", true},
		{"482e418a-0900-414b-8902-02248c2e44e8", "3b542696-5863-4ff7-bb90-8224e9e8adb9", false},
		{"", "", false},
		{"{}", "", false},
	}
	for _, tt := range tests {
		if got := sharepoint.SameList(tt.a, tt.b); got != tt.want {
			t.Errorf("SameList(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
