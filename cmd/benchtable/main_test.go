package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/tenantops/tenantops/handler
cpu: Some CPU
BenchmarkColdStart-2   	       1	9012345678 ns/op	         6.100 handler-cold-ms	         2.000 max:cold-ratio	         1.300 cold-ratio	        12.00 handler-idle-rss-MB	        20.00 max:handler-idle-rss-MB	  123456 B/op	    1234 allocs/op
PASS
ok  	github.com/tenantops/tenantops/handler	12.3s
pkg: github.com/tenantops/tenantops/functions/spcleanup
BenchmarkCleanup-2     	       1	1000 ns/op	       150.0 items/s	       500.0 min:items/s
PASS
`

func TestCollectAndTable(t *testing.T) {
	var passed strings.Builder
	figures, failed, err := collect(strings.NewReader(sample), &passed)
	if err != nil || failed {
		t.Fatalf("failed=%v err=%v", failed, err)
	}
	if passed.String() != sample {
		t.Error("the input was not passed through unchanged")
	}
	want := []figure{
		{"handler", "BenchmarkColdStart", "handler-cold-ms", 6.1, "", false},
		{"handler", "BenchmarkColdStart", "cold-ratio", 1.3, "≤ 2", true},
		{"handler", "BenchmarkColdStart", "handler-idle-rss-MB", 12, "≤ 20", true},
		{"functions/spcleanup", "BenchmarkCleanup", "items/s", 150, "≥ 500", false},
	}
	if len(figures) != len(want) {
		t.Fatalf("figures = %+v", figures)
	}
	for i := range want {
		if figures[i] != want[i] {
			t.Errorf("figure %d = %+v, want %+v", i, figures[i], want[i])
		}
	}
	var table strings.Builder
	writeTable(&table, figures)
	for _, line := range []string{"cold-ratio", "met", "MISSED", "4 figures; 2 of 3 goals met"} {
		if !strings.Contains(table.String(), line) {
			t.Errorf("table lacks %q:\n%s", line, table.String())
		}
	}
}

func TestFailureIsNoticed(t *testing.T) {
	for _, out := range []string{"--- FAIL: BenchmarkX\n", "FAIL\tgithub.com/x\t1s\n"} {
		if _, failed, _ := collect(strings.NewReader(out), &strings.Builder{}); !failed {
			t.Errorf("%q not seen as a failure", out)
		}
	}
}
