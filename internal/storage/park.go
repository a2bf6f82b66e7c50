package storage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
)

// ParkedSuffix ends the name of the queue where the handler keeps a queue's
// messages that failed maxDequeueCount times. Unlike the host's poison
// queue, whose messages expire after 7 days, a parked message never expires:
// it waits for an operator (handler requeue) however long an outage lasts.
const ParkedSuffix = "-parked"

// parkedVersion is the envelope format's version.
const parkedVersion = 1

// Parked is a parked message: the original message, exactly as it was
// stored on its queue, with the last error that stopped it.
type Parked struct {
	V            int       `json:"v"`
	Message      string    `json:"message"` // as stored: base64 for the messages the host reads
	Error        string    `json:"error"`   // redacted by the caller
	Time         time.Time `json:"time"`    // when it was parked
	Function     string    `json:"function"`
	DequeueCount int       `json:"dequeueCount"`
}

// ErrNotParked is returned by ParseParked for a text that is not a parked
// envelope.
var ErrNotParked = errors.New("storage: not a parked message")

// ParseParked reads a parked queue message back.
func ParseParked(text string) (Parked, error) {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return Parked{}, ErrNotParked
	}
	var p Parked
	if err := json.Unmarshal(raw, &p); err != nil || p.V != parkedVersion || p.Message == "" {
		return Parked{}, ErrNotParked
	}
	return p, nil
}

// Park puts p on <queue>-parked, creating that queue when missing, with no
// expiry. The envelope is JSON, base64-encoded so that any error text is
// safe in the queue service's XML.
func (a *Account) Park(ctx context.Context, queue string, p Parked) error {
	p.V = parkedVersion
	if p.Message == "" {
		return fmt.Errorf("storage: park on %s%s: the message is empty", queue, ParkedSuffix)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("storage: park on %s%s: %w", queue, ParkedSuffix, err)
	}
	if err := a.EnsureQueue(ctx, queue+ParkedSuffix); err != nil {
		return err
	}
	return a.enqueueText(ctx, queue+ParkedSuffix, base64.StdEncoding.EncodeToString(raw))
}

// Defer puts a message's text, as stored, back on queue, invisible for
// after (at most 7 days, the service's limit) and with no expiry: the same
// message comes back later with a fresh dequeue count.
func (a *Account) Defer(ctx context.Context, queue, text string, after time.Duration) error {
	seconds := int32(min(max(after.Round(time.Second), 0), maxVisibilityTimeout) / time.Second)
	_, err := a.Queue.NewQueueClient(queue).EnqueueMessage(ctx, text,
		&azqueue.EnqueueMessageOptions{TimeToLive: ptr(noExpiry), VisibilityTimeout: &seconds})
	if err != nil {
		return fmt.Errorf("storage: enqueue on %s: %w", queue, err)
	}
	return nil
}

// maxVisibilityTimeout is the longest a queue message can be kept invisible.
const maxVisibilityTimeout = 7 * 24 * time.Hour

// ParkedState is what an operator and an alert need to know of a parked
// queue: how many messages wait there, and since when.
type ParkedState struct {
	Depth  int
	Oldest time.Time // insertion time of the message at the front; zero when none is visible
}

// ParkedState reads <queue>-parked's depth and the age of the message at
// its front (the oldest, as the queue is first in first out, barring
// messages an operator's requeue holds at that moment); a queue that does
// not exist holds none.
func (a *Account) ParkedState(ctx context.Context, queue string) (ParkedState, error) {
	depth, err := a.QueueDepth(ctx, queue+ParkedSuffix)
	if err != nil || depth == 0 {
		return ParkedState{Depth: depth}, err
	}
	resp, err := a.Queue.NewQueueClient(queue+ParkedSuffix).PeekMessages(ctx, &azqueue.PeekMessagesOptions{NumberOfMessages: ptr(int32(1))})
	if err != nil {
		return ParkedState{Depth: depth}, fmt.Errorf("storage: peek %s%s: %w", queue, ParkedSuffix, err)
	}
	st := ParkedState{Depth: depth}
	if len(resp.Messages) > 0 {
		st.Oldest = deref(resp.Messages[0].InsertionTime)
	}
	return st, nil
}
