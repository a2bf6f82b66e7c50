package storage

import (
	"context"
	"fmt"
)

// QueueDepth returns the approximate number of messages on a queue (the
// service's own count, which may lag by a few seconds); a queue that does
// not exist holds none.
func (a *Account) QueueDepth(ctx context.Context, queue string) (int, error) {
	props, err := a.Queue.NewQueueClient(queue).GetProperties(ctx, nil)
	if isCode(err, "QueueNotFound") {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("storage: properties of queue %s: %w", queue, err)
	}
	if props.ApproximateMessagesCount == nil {
		return 0, nil
	}
	return int(*props.ApproximateMessagesCount), nil
}
