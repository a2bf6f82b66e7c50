package storage

import "context"

// RequeueWithHook is Requeue with a hook run after each message is
// enqueued and before it leaves the poison queue; its error stops the move
// there, as a crash would.
func (a *Account) RequeueWithHook(ctx context.Context, queue string, opts RequeueOptions, hook func(QueuedMessage) error) (RequeueResult, error) {
	return a.requeue(ctx, queue, opts, hook)
}
