package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
)

// PoisonSuffix ends the name of the queue where the Functions host puts a
// queue's messages that failed maxDequeueCount times.
const PoisonSuffix = "-poison"

// maxMessagesPerCall is the most messages one dequeue or peek returns.
const maxMessagesPerCall = 32

// QueuedMessage is a message on a queue, as Requeue reports it.
type QueuedMessage struct {
	ID           string
	Text         string // as stored: base64 for the messages the host reads
	Inserted     time.Time
	Expires      time.Time
	DequeueCount int64
}

// RequeueOptions bounds a Requeue.
type RequeueOptions struct {
	// Count is the most messages to move; 0 moves as many as the poison
	// queue holds when the move starts.
	Count int
	// DryRun moves nothing: it peeks at the first messages (at most 32, all
	// the storage service shows without taking them).
	DryRun bool
	// Lease is how long a message being moved stays hidden on the poison
	// queue; should the move stop half way, it is visible there again after
	// it. Default 5 minutes.
	Lease time.Duration
}

// RequeueResult is what a Requeue did or, in a dry run, would do.
type RequeueResult struct {
	Messages []QueuedMessage // moved, or the ones a dry run saw
	Pending  int             // approximate count on the poison queue before the move
}

// Requeue moves messages from <queue>-poison back to queue, unchanged and
// with no expiry, so the function sees them again with a fresh dequeue
// count. Each message is put on queue first and only then deleted from the
// poison queue: a crash between the two leaves it on both (run twice,
// which the queue's function must tolerate) and never on neither.
func (a *Account) Requeue(ctx context.Context, queue string, opts RequeueOptions) (RequeueResult, error) {
	return a.requeue(ctx, queue, opts, nil)
}

// requeue is Requeue with a hook called after each message is enqueued and
// before it is deleted from the poison queue; an error from it stops the
// move there, as a crash would.
func (a *Account) requeue(ctx context.Context, queue string, opts RequeueOptions, afterEnqueue func(QueuedMessage) error) (RequeueResult, error) {
	if strings.HasSuffix(queue, PoisonSuffix) {
		return RequeueResult{}, fmt.Errorf("storage: requeue: give the queue, not its poison queue (%s)", queue)
	}
	poison := a.Queue.NewQueueClient(queue + PoisonSuffix)
	props, err := poison.GetProperties(ctx, nil)
	if err != nil {
		if isCode(err, "QueueNotFound") {
			return RequeueResult{}, fmt.Errorf("storage: requeue: there is no queue %s%s", queue, PoisonSuffix)
		}
		return RequeueResult{}, fmt.Errorf("storage: requeue: %s%s: %w", queue, PoisonSuffix, err)
	}
	res := RequeueResult{}
	if props.ApproximateMessagesCount != nil {
		res.Pending = int(*props.ApproximateMessagesCount)
	}
	limit := opts.Count
	if limit <= 0 {
		limit = res.Pending
	}
	if opts.DryRun {
		res.Messages, err = peek(ctx, poison, min(limit, maxMessagesPerCall))
		return res, err
	}
	if err := a.EnsureQueue(ctx, queue); err != nil {
		return res, err
	}
	err = a.move(ctx, poison, queue, limit, opts.lease(), afterEnqueue, &res)
	return res, err
}

func (o RequeueOptions) lease() time.Duration {
	if o.Lease <= 0 {
		return 5 * time.Minute
	}
	return o.Lease
}

// move takes up to limit messages off the poison queue, a page at a time.
func (a *Account) move(ctx context.Context, poison *azqueue.QueueClient, queue string, limit int, lease time.Duration,
	afterEnqueue func(QueuedMessage) error, res *RequeueResult) error {
	for len(res.Messages) < limit {
		n := int32(min(limit-len(res.Messages), maxMessagesPerCall))
		resp, err := poison.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{NumberOfMessages: &n,
			VisibilityTimeout: ptr(int32(max(lease/time.Second, 1)))})
		if err != nil {
			return fmt.Errorf("storage: requeue: reading %s%s: %w", queue, PoisonSuffix, err)
		}
		if len(resp.Messages) == 0 {
			return nil
		}
		for _, m := range resp.Messages {
			msg := queuedMessage(m.MessageID, m.MessageText, m.InsertionTime, m.ExpirationTime, m.DequeueCount)
			if err := a.enqueueText(ctx, queue, msg.Text); err != nil {
				return fmt.Errorf("storage: requeue: message %s stays on %s%s: %w", msg.ID, queue, PoisonSuffix, err)
			}
			if afterEnqueue != nil {
				if err := afterEnqueue(msg); err != nil {
					return err
				}
			}
			if _, err := poison.DeleteMessage(ctx, *m.MessageID, *m.PopReceipt, nil); err != nil {
				return fmt.Errorf("storage: requeue: message %s is back on %s but also still on %s%s: %w",
					msg.ID, queue, queue, PoisonSuffix, err)
			}
			res.Messages = append(res.Messages, msg)
		}
	}
	return nil
}

func peek(ctx context.Context, q *azqueue.QueueClient, n int) ([]QueuedMessage, error) {
	if n <= 0 {
		return nil, nil
	}
	resp, err := q.PeekMessages(ctx, &azqueue.PeekMessagesOptions{NumberOfMessages: ptr(int32(n))})
	if err != nil {
		return nil, fmt.Errorf("storage: requeue: peeking: %w", err)
	}
	out := make([]QueuedMessage, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		out = append(out, queuedMessage(m.MessageID, m.MessageText, m.InsertionTime, m.ExpirationTime, m.DequeueCount))
	}
	return out, nil
}

func queuedMessage(id, text *string, inserted, expires *time.Time, dequeued *int64) QueuedMessage {
	return QueuedMessage{ID: deref(id), Text: deref(text), Inserted: deref(inserted), Expires: deref(expires), DequeueCount: deref(dequeued)}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
