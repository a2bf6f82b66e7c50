package sharepoint

import (
	"net/http"
	"testing"
	"time"
)

func TestServerDelay(t *testing.T) {
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"none", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"2"}}, 2 * time.Second},
		{"HTTP date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"RateLimit-Reset larger", http.Header{"Retry-After": {"1"}, "Ratelimit-Reset": {"31"}}, 31 * time.Second},
		{"Retry-After larger", http.Header{"Retry-After": {"40"}, "Ratelimit-Reset": {"31"}}, 40 * time.Second},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
	}
	for _, tt := range tests {
		if got := serverDelay(tt.header, now); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	o := RetryOptions{BaseDelay: time.Second, MaxDelay: 5 * time.Second}.withDefaults()
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second, 40: 5 * time.Second} {
		got := o.backoff(attempt)
		if got < want*8/10 || got > want*12/10 {
			t.Errorf("attempt %d: %s, want %s ±20%%", attempt, got, want)
		}
	}
}
