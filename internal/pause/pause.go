// Package pause pauses for a while unless the context ends first: the one
// sleep that every retry loop and polling wait in tenantops uses.
package pause

import (
	"context"
	"time"
)

// For waits d, or returns ctx's error as soon as ctx ends. A d of zero or
// less returns at once (nil, unless ctx has already ended).
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
