package spwebhook

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/storage"
)

// PollRequest is the message SharePointWebhook puts on SPPollRequestQueue:
// "read the change log now", with when the notification was received. The
// notification says nothing about what changed, so nothing else is needed.
type PollRequest struct {
	V         int       `json:"v"`
	Requested time.Time `json:"requested"`
	Entries   int       `json:"entries"` // value[] entries of the notification
}

// ParsePollRequest reads a poll request message.
func ParsePollRequest(text string) (PollRequest, error) {
	var r PollRequest
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		return PollRequest{}, fmt.Errorf("spwebhook: poll request is not JSON: %w", err)
	}
	if r.V != 1 || r.Requested.IsZero() {
		return PollRequest{}, fmt.Errorf("spwebhook: poll request wants v 1 and a requested time")
	}
	return r, nil
}

// queuesMade remembers the queues this process has made sure exist.
var queuesMade sync.Map

// enqueueRequest puts one poll request on the queue, creating the queue
// the first time in a process.
func enqueueRequest(ctx context.Context, account *storage.Account, queue string, r PollRequest) error {
	if _, done := queuesMade.Load(queue); !done {
		if err := account.EnsureQueue(ctx, queue); err != nil {
			return err
		}
		queuesMade.Store(queue, true)
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("spwebhook: poll request: %w", err)
	}
	return account.Enqueue(ctx, queue, data)
}
