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
	Text         string // as stored on its queue: base64 for the messages the host reads
	From         string // the queue it is taken from: <queue>-parked or <queue>-poison
	Error        string // a parked message's last error
	Inserted     time.Time
	Expires      time.Time
	DequeueCount int64
}

// RequeueOptions bounds a Requeue.
type RequeueOptions struct {
	// Count is the most messages to move; 0 moves as many as the parked and
	// poison queues hold when the move starts.
	Count int
	// DryRun moves nothing: it peeks at the first messages (at most 32 per
	// queue, all the storage service shows without taking them).
	DryRun bool
	// Lease is how long a message being moved stays hidden on the queue it
	// is taken from; should the move stop half way, it is visible there
	// again after it. Default 5 minutes.
	Lease time.Duration
}

// RequeueResult is what a Requeue did or, in a dry run, would do.
type RequeueResult struct {
	Messages []QueuedMessage // moved, or the ones a dry run saw
	Pending  int             // approximate count on the parked and poison queues before the move
	Sources  []string        // the queues read, of <queue>-parked and <queue>-poison
}

// Requeue moves messages back to queue from <queue>-parked (where the
// handler parks a message that failed maxDequeueCount times, with its last
// error) and then from <queue>-poison (where the Functions host put such
// messages before parking existed). Each comes back exactly as it was
// first stored, with no expiry, so the function sees it again with a fresh
// dequeue count. Each message is put on queue first and only then deleted
// from where it waited: a crash between the two leaves it on both (run
// twice, which the queue's function must tolerate) and never on neither.
func (a *Account) Requeue(ctx context.Context, queue string, opts RequeueOptions) (RequeueResult, error) {
	return a.requeue(ctx, queue, opts, nil)
}

// requeue is Requeue with a hook called after each message is enqueued and
// before it is deleted from where it waited; an error from it stops the
// move there, as a crash would.
func (a *Account) requeue(ctx context.Context, queue string, opts RequeueOptions, afterEnqueue func(QueuedMessage) error) (RequeueResult, error) {
	if strings.HasSuffix(queue, PoisonSuffix) || strings.HasSuffix(queue, ParkedSuffix) {
		return RequeueResult{}, fmt.Errorf("storage: requeue: give the queue, not its parked or poison queue (%s)", queue)
	}
	res, err := a.requeueSources(ctx, queue)
	if err != nil {
		return res, err
	}
	limit := opts.Count
	if limit <= 0 {
		limit = res.Pending
	}
	if opts.DryRun {
		for _, src := range res.Sources {
			shown, err := a.peek(ctx, src, min(limit-len(res.Messages), maxMessagesPerCall))
			res.Messages = append(res.Messages, shown...)
			if err != nil {
				return res, err
			}
		}
		return res, nil
	}
	if err := a.EnsureQueue(ctx, queue); err != nil {
		return res, err
	}
	for _, src := range res.Sources {
		if err := a.move(ctx, src, queue, limit, opts.lease(), afterEnqueue, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// requeueSources finds which of <queue>-parked and <queue>-poison exist and
// how many messages they hold.
func (a *Account) requeueSources(ctx context.Context, queue string) (RequeueResult, error) {
	var res RequeueResult
	for _, src := range []string{queue + ParkedSuffix, queue + PoisonSuffix} {
		props, err := a.Queue.NewQueueClient(src).GetProperties(ctx, nil)
		if isCode(err, "QueueNotFound") {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("storage: requeue: %s: %w", src, err)
		}
		res.Sources = append(res.Sources, src)
		if props.ApproximateMessagesCount != nil {
			res.Pending += int(*props.ApproximateMessagesCount)
		}
	}
	if len(res.Sources) == 0 {
		return res, fmt.Errorf("storage: requeue: there is no queue %s%s or %s%s", queue, ParkedSuffix, queue, PoisonSuffix)
	}
	return res, nil
}

func (o RequeueOptions) lease() time.Duration {
	if o.Lease <= 0 {
		return 5 * time.Minute
	}
	return o.Lease
}

// move takes up to limit messages (counting those moved before) off src, a
// page at a time.
func (a *Account) move(ctx context.Context, src, queue string, limit int, lease time.Duration,
	afterEnqueue func(QueuedMessage) error, res *RequeueResult) error {
	from := a.Queue.NewQueueClient(src)
	for len(res.Messages) < limit {
		n := int32(min(limit-len(res.Messages), maxMessagesPerCall))
		resp, err := from.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{NumberOfMessages: &n,
			VisibilityTimeout: ptr(int32(max(lease/time.Second, 1)))})
		if err != nil {
			return fmt.Errorf("storage: requeue: reading %s: %w", src, err)
		}
		if len(resp.Messages) == 0 {
			return nil
		}
		for _, m := range resp.Messages {
			msg, err := queuedMessage(src, m.MessageID, m.MessageText, m.InsertionTime, m.ExpirationTime, m.DequeueCount)
			if err != nil {
				return err
			}
			if err := a.enqueueText(ctx, queue, msg.Text); err != nil {
				return fmt.Errorf("storage: requeue: message %s stays on %s: %w", msg.ID, src, err)
			}
			if afterEnqueue != nil {
				if err := afterEnqueue(msg); err != nil {
					return err
				}
			}
			if _, err := from.DeleteMessage(ctx, *m.MessageID, *m.PopReceipt, nil); err != nil {
				return fmt.Errorf("storage: requeue: message %s is back on %s but also still on %s: %w",
					msg.ID, queue, src, err)
			}
			res.Messages = append(res.Messages, msg)
		}
	}
	return nil
}

// peek shows up to n messages at the front of src without taking them.
func (a *Account) peek(ctx context.Context, src string, n int) ([]QueuedMessage, error) {
	if n <= 0 {
		return nil, nil
	}
	resp, err := a.Queue.NewQueueClient(src).PeekMessages(ctx, &azqueue.PeekMessagesOptions{NumberOfMessages: ptr(int32(n))})
	if err != nil {
		return nil, fmt.Errorf("storage: requeue: peeking %s: %w", src, err)
	}
	out := make([]QueuedMessage, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		msg, err := queuedMessage(src, m.MessageID, m.MessageText, m.InsertionTime, m.ExpirationTime, m.DequeueCount)
		if err != nil {
			return out, err
		}
		out = append(out, msg)
	}
	return out, nil
}

// queuedMessage is a message taken from src; a parked one is unwrapped to
// the original message (its text as first stored) and its last error.
func queuedMessage(src string, id, text *string, inserted, expires *time.Time, dequeued *int64) (QueuedMessage, error) {
	msg := QueuedMessage{ID: deref(id), Text: deref(text), From: src, Inserted: deref(inserted),
		Expires: deref(expires), DequeueCount: deref(dequeued)}
	if !strings.HasSuffix(src, ParkedSuffix) {
		return msg, nil
	}
	p, err := ParseParked(msg.Text)
	if err != nil {
		return msg, fmt.Errorf("storage: requeue: message %s on %s is not a parked message (delete or move it by hand); stopped there: %w", msg.ID, src, err)
	}
	msg.Text, msg.Error, msg.DequeueCount = p.Message, p.Error, int64(p.DequeueCount)
	return msg, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
