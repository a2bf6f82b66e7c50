package logbuf

import (
	"fmt"
	"sync"
	"testing"
)

func TestConcurrentWritesAllArrive(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				fmt.Fprintf(&b, "{\"msg\":\"line\",\"writer\":%d,\"n\":%d}\n", i, j)
			}
		}()
	}
	wg.Wait()
	if got := len(b.JSONLines("line")); got != 800 {
		t.Fatalf("JSONLines = %d lines, want 800", got)
	}
	if got := b.Count(`"msg":"line"`); got != 800 {
		t.Fatalf("Count = %d, want 800", got)
	}
}

func TestJSONLinesSkipsOtherMessagesAndText(t *testing.T) {
	var b Buffer
	b.Write([]byte("plain text\n{\"msg\":\"a\"}\n{\"msg\":\"b\"}\n{\"msg\":\"a\",\"x\":1}\n"))
	if got := b.JSONLines("a"); len(got) != 2 || got[1]["x"] != float64(1) {
		t.Fatalf("JSONLines(a) = %v", got)
	}
}
