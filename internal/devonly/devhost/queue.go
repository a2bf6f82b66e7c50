package devhost

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
)

// leaseSeconds is how long a dequeued message stays invisible while its
// invocation runs (the host's listener also takes a 10-minute lease).
const leaseSeconds = 600

// Drain delivers queue-triggered invocations until every trigger queue is
// empty, retrying failures and moving a message to <queue>-poison after
// maxDequeueCount failed tries, as the host does. It returns an error naming
// the messages that ended in a poison queue.
func (h *Host) Drain(ctx context.Context) error {
	if h.opts.Storage == nil {
		return errNoStorage
	}
	var poisoned []Result
	for {
		delivered := 0
		for _, tr := range h.queueTriggers() {
			results, err := h.processBatch(ctx, tr)
			if err != nil {
				return err
			}
			delivered += len(results)
			for _, r := range results {
				if r.Poisoned {
					poisoned = append(poisoned, r)
				}
			}
		}
		if delivered > 0 {
			continue
		}
		waiting, err := h.messagesWaiting(ctx)
		if err != nil {
			return err
		}
		if waiting == 0 {
			return poisonError(poisoned)
		}
		select { // messages are invisible until their retry: wait for them
		case <-ctx.Done():
			return fmt.Errorf("devhost: drain: %d message(s) still queued: %w", waiting, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func poisonError(poisoned []Result) error {
	if len(poisoned) == 0 {
		return nil
	}
	last := poisoned[len(poisoned)-1]
	return fmt.Errorf("devhost: %d message(s) moved to a poison queue; last: %s message %s: %s",
		len(poisoned), last.Function, last.MessageID, last.Error)
}

func (h *Host) queueTriggers() []trigger {
	var out []trigger
	for _, tr := range h.triggers {
		if tr.Type == "queueTrigger" {
			out = append(out, tr)
		}
	}
	return out
}

// messagesWaiting counts the messages, visible or not, on every trigger queue.
func (h *Host) messagesWaiting(ctx context.Context) (int, error) {
	total := 0
	for _, tr := range h.queueTriggers() {
		props, err := h.opts.Storage.Queue.NewQueueClient(tr.Queue).GetProperties(ctx, nil)
		if isQueueNotFound(err) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("devhost: queue %s: %w", tr.Queue, err)
		}
		if props.ApproximateMessagesCount != nil {
			total += int(*props.ApproximateMessagesCount)
		}
	}
	return total, nil
}

// pollQueue delivers a trigger queue's messages until ctx ends, polling
// more slowly while the queue stays empty, up to maxPollingInterval.
func (h *Host) pollQueue(ctx context.Context, tr trigger) {
	const minWait = 100 * time.Millisecond
	wait := minWait
	for ctx.Err() == nil {
		results, err := h.processBatch(ctx, tr)
		if err != nil && ctx.Err() == nil {
			h.opts.Log.Warn("polling queue", "queue", tr.Queue, "error", err.Error())
		}
		if len(results) > 0 {
			wait = minWait
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, max(h.config.Queues.PollInterval, minWait))
	}
}

// processBatch dequeues up to batchSize messages and delivers each.
func (h *Host) processBatch(ctx context.Context, tr trigger) ([]Result, error) {
	if h.opts.Storage == nil {
		return nil, errNoStorage
	}
	q := h.opts.Storage.Queue.NewQueueClient(tr.Queue)
	n := int32(min(max(h.config.Queues.BatchSize, 1), 32))
	resp, err := q.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{NumberOfMessages: &n, VisibilityTimeout: ptr(int32(leaseSeconds))})
	if isQueueNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("devhost: dequeue from %s: %w", tr.Queue, err)
	}
	var results []Result
	for _, m := range resp.Messages {
		res, err := h.deliver(ctx, tr, q, m)
		if err != nil {
			return results, err
		}
		results = append(results, res)
	}
	return results, nil
}

// deliver runs one message through the handler and settles it: deleted on
// success, released for a retry on failure, or moved to the poison queue
// once it has failed maxDequeueCount times.
func (h *Host) deliver(ctx context.Context, tr trigger, q *azqueue.QueueClient, m *azqueue.DequeuedMessage) (Result, error) {
	d := delivery(m)
	res := Result{Function: tr.Function, Trigger: tr.Type, MessageID: d.ID, DequeueCount: int(d.DequeueCount)}
	maxCount := int64(h.config.Queues.MaxDequeueCount)
	text, decodeErr := h.decode(deref(m.MessageText))
	switch {
	case d.DequeueCount > maxCount:
		res.Error = fmt.Sprintf("devhost: dequeued %d times, more than maxDequeueCount %d", d.DequeueCount, maxCount)
	case decodeErr != nil:
		res.Error = decodeErr.Error()
	default:
		d.Text = text
		h.call(ctx, tr.Function, queuePayload(tr, d, time.Now()), &res)
	}
	var err error
	switch {
	case res.OK():
		_, err = q.DeleteMessage(ctx, d.ID, d.PopReceipt, nil)
	case d.DequeueCount >= maxCount || decodeErr != nil:
		res.Poisoned = true
		err = h.poison(ctx, tr, q, m)
	default:
		_, err = q.UpdateMessage(ctx, d.ID, d.PopReceipt, deref(m.MessageText),
			&azqueue.UpdateMessageOptions{VisibilityTimeout: ptr(h.retrySeconds())})
	}
	h.report(res)
	if err != nil {
		return res, fmt.Errorf("devhost: settling message %s on %s: %w", d.ID, tr.Queue, err)
	}
	return res, nil
}

// poison copies a message, text unchanged, to <queue>-poison (creating it
// when missing) and deletes the original.
func (h *Host) poison(ctx context.Context, tr trigger, q *azqueue.QueueClient, m *azqueue.DequeuedMessage) error {
	name := tr.Queue + "-poison"
	if err := h.opts.Storage.EnsureQueue(ctx, name); err != nil {
		return err
	}
	if _, err := h.opts.Storage.Queue.NewQueueClient(name).EnqueueMessage(ctx, deref(m.MessageText), nil); err != nil {
		return fmt.Errorf("devhost: enqueue on %s: %w", name, err)
	}
	_, err := q.DeleteMessage(ctx, deref(m.MessageID), deref(m.PopReceipt), nil)
	return err
}

// decode undoes the queue's message encoding.
func (h *Host) decode(text string) (string, error) {
	if !h.config.Queues.Base64 {
		return text, nil
	}
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return "", fmt.Errorf("devhost: message is not base64 (host.json messageEncoding is base64): %w", err)
	}
	return string(b), nil
}

// retrySeconds is the visibility timeout of a failed message.
func (h *Host) retrySeconds() int32 {
	switch {
	case h.opts.RetryDelay < 0:
		return 0
	case h.opts.RetryDelay > 0:
		return int32(h.opts.RetryDelay.Round(time.Second) / time.Second)
	}
	return int32(h.config.Queues.VisibilityTimeout.Round(time.Second) / time.Second)
}

func delivery(m *azqueue.DequeuedMessage) queueDelivery {
	return queueDelivery{
		ID:              deref(m.MessageID),
		PopReceipt:      deref(m.PopReceipt),
		DequeueCount:    deref(m.DequeueCount),
		InsertionTime:   deref(m.InsertionTime),
		ExpirationTime:  deref(m.ExpirationTime),
		NextVisibleTime: deref(m.TimeNextVisible),
	}
}

func isQueueNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.ErrorCode == "QueueNotFound"
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
