package spchangepoll

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/tenantops/tenantops/functions/deleteditem"
)

// enqueueAll puts one message per deleted item on the queue, at most
// parallelism at a time, and returns once every message is on the queue or
// the first failure. After each message it calls the checkpoint hook.
func (p *poller) enqueueAll(ctx context.Context, page int, messages []deleteditem.Message) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan deleteditem.Message)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		enqueued int
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	for range min(p.opts.Parallelism, len(messages)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				if err := p.enqueue(ctx, m); err != nil {
					fail(err)
					continue
				}
				mu.Lock()
				enqueued++
				n := enqueued
				mu.Unlock()
				if err := p.checkpoint(checkpoint{Step: stepEnqueued, Page: page, Enqueued: n}); err != nil {
					fail(err)
				}
			}
		}()
	}
feed:
	for _, m := range messages {
		select {
		case work <- m:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

func (p *poller) enqueue(ctx context.Context, m deleteditem.Message) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("sharepoint change poll: message: %w", err)
	}
	return p.opts.Storage.Enqueue(ctx, p.opts.Queue, data)
}
