package sharepoint

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/tenantops/tenantops/internal/pause"
)

// MaxBatchOperations is the most operations tenantops puts in one $batch.
const MaxBatchOperations = 100

// Mode is how RemoveItems removes an item.
type Mode string

// Removal modes.
const (
	Recycle Mode = "recycle" // to the site's recycle bin (recoverable)
	Delete  Mode = "delete"  // permanently
)

// Removal reports what RemoveItems did.
type Removal struct {
	Removed     []int // recycled or deleted now
	AlreadyGone []int // 404: removed before (a repeated message)
}

// operation is one write in a $batch.
type operation struct {
	itemID int
	method string
	url    string
}

// opResult is one operation's own status from the batch response.
type opResult struct {
	status int
	header http.Header
	body   []byte
}

// RemoveItems recycles or deletes items in $batch requests of at most
// MaxBatchOperations each, reading each operation's own status. An item
// that is already gone counts as done. Throttled operations are retried
// after the wait they name.
func (c *Client) RemoveItems(ctx context.Context, list List, ids []int, mode Mode) (Removal, error) {
	var done Removal
	for start := 0; start < len(ids); start += MaxBatchOperations {
		chunk := ids[start:min(start+MaxBatchOperations, len(ids))]
		if err := c.removeChunk(ctx, list, chunk, mode, &done); err != nil {
			return done, err
		}
	}
	return done, nil
}

func (c *Client) removeChunk(ctx context.Context, list List, ids []int, mode Mode, done *Removal) error {
	pending := c.operations(list, ids, mode)
	for attempt := 1; len(pending) > 0; attempt++ {
		results, err := c.batch(ctx, pending)
		if err != nil {
			return fmt.Errorf("sharepoint: %s items of %s: %w", mode, list, err)
		}
		var again []operation
		var wait time.Duration
		status := 0 // the status that asked for the wait
		for i, op := range pending {
			r := results[i]
			switch {
			case r.status >= 200 && r.status < 300:
				done.Removed = append(done.Removed, op.itemID)
			case r.status == http.StatusNotFound:
				done.AlreadyGone = append(done.AlreadyGone, op.itemID)
			case retryable(r.status) && attempt < c.retry.MaxAttempts:
				again = append(again, op)
				if w := c.waitBefore(attempt, r.header); w >= wait {
					wait, status = w, r.status
				}
			default:
				e := newError(op.method, pathOf(op.url), r.status, r.body)
				return fmt.Errorf("sharepoint: %s item %d of %s: %w", mode, op.itemID, list, e)
			}
		}
		if err := c.waitForRetry(ctx, len(again), wait); err != nil {
			return throttled(status, wait, fmt.Errorf("sharepoint: %s items of %s: %w", mode, list, err))
		}
		pending = again
	}
	return nil
}

// waitForRetry waits before retrying n throttled operations, or gives up at
// once when the wait is longer than the context's deadline leaves, as send does.
func (c *Client) waitForRetry(ctx context.Context, n int, wait time.Duration) error {
	if n == 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return fmt.Errorf("sharepoint: asked to wait %s before retrying %d operations, more than the run has left", wait.Round(time.Second), n)
	}
	c.log.Warn("sharepoint: retrying throttled batch operations", "count", n, "wait", wait.String())
	return pause.For(ctx, wait)
}

func (c *Client) operations(list List, ids []int, mode Mode) []operation {
	ops := make([]operation, len(ids))
	for i, id := range ids {
		item := fmt.Sprintf("%s%s/items(%d)", c.siteURL, list.path(), id)
		if mode == Delete {
			ops[i] = operation{itemID: id, method: "DELETE", url: item}
		} else {
			ops[i] = operation{itemID: id, method: "POST", url: item + "/recycle"}
		}
	}
	return ops
}

// batch sends operations in one $batch request, each in a changeset of its
// own, and returns their results in order.
func (c *Client) batch(ctx context.Context, ops []operation) ([]opResult, error) {
	batchBoundary := "batch_" + newBoundary()
	rep, err := c.send(ctx, call{method: "POST", url: c.siteURL + "/_api/$batch", body: batchBody(batchBoundary, ops),
		contentType: "multipart/mixed; boundary=" + batchBoundary, accept: "multipart/mixed"})
	if err != nil {
		return nil, err
	}
	results, err := parseBatchResponse(rep.header.Get("Content-Type"), rep.body)
	if err != nil {
		return nil, err
	}
	if len(results) != len(ops) {
		return nil, fmt.Errorf("sharepoint: $batch answered %d operations of %d", len(results), len(ops))
	}
	return results, nil
}

// batchBody writes the multipart/mixed request, CRLF line endings. Each
// write is a changeset of its own, as the PnP Core SDK sends them: OData
// answers a failed changeset with one response for all of its operations,
// so one operation per changeset keeps one answer per operation whether
// SharePoint follows OData there or (as documented) runs every operation.
func batchBody(batchBoundary string, ops []operation) []byte {
	var b bytes.Buffer
	for _, op := range ops {
		changeset := "changeset_" + newBoundary()
		fmt.Fprintf(&b, "--%s\r\nContent-Type: multipart/mixed; boundary=%s\r\n\r\n", batchBoundary, changeset)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n", changeset)
		fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nAccept: %s\r\n", op.method, op.url, acceptNoMetadata)
		if op.method == "DELETE" {
			b.WriteString("If-Match: *\r\n")
		} else {
			b.WriteString("Content-Length: 0\r\n")
		}
		b.WriteString("\r\n\r\n") // end of headers, empty body, then the delimiter's CRLF
		fmt.Fprintf(&b, "--%s--\r\n\r\n", changeset)
	}
	fmt.Fprintf(&b, "--%s--\r\n", batchBoundary)
	return b.Bytes()
}

func newBoundary() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
