package graph

import (
	"context"
	"time"
)

// SetClock replaces the client's clock, sleep and jitter for tests.
func SetClock(c *Client, now func() time.Time, sleep func(ctx context.Context, d time.Duration) error, jitter func() float64) {
	if now != nil {
		c.now = now
	}
	if sleep != nil {
		c.sleep = sleep
	}
	if jitter != nil {
		c.jitter = jitter
	}
}
