package devhost

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Fire runs a timer-triggered function once, now, as the host does when a
// schedule occurrence is due, and returns the function's failure, if any.
func (h *Host) Fire(ctx context.Context, function string) error {
	res, err := h.FireResult(ctx, function)
	if err != nil {
		return err
	}
	if !res.OK() {
		return errors.New(res.Error)
	}
	return nil
}

// FireResult is Fire that also returns the whole result.
func (h *Host) FireResult(ctx context.Context, function string) (Result, error) {
	tr, err := h.trigger(function)
	if err != nil {
		return Result{}, err
	}
	if tr.Type != "timerTrigger" {
		return Result{}, fmt.Errorf("devhost: %s is a %s, not a timer", function, tr.Type)
	}
	return h.fire(ctx, tr, time.Now().UTC()), nil
}

// fire invokes a timer for the occurrence at scheduled.
func (h *Host) fire(ctx context.Context, tr trigger, scheduled time.Time) Result {
	now := time.Now().UTC()
	var status *scheduleStatus
	if tr.UseMonitor {
		status = h.advanceStatus(tr, scheduled, now)
	}
	res := Result{Trigger: tr.Type}
	h.call(ctx, tr.Function, timerPayload(tr, now, status), &res)
	h.report(res)
	return res
}

// advanceStatus records this occurrence and returns the schedule status the
// host's monitor reports for it: the previous occurrence, the next one, and
// when the record changed. The first occurrence has no previous one, which
// the host writes as .NET's zero date.
func (h *Host) advanceStatus(tr trigger, scheduled, now time.Time) *scheduleStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	last, ok := h.lastFire[tr.Function]
	h.lastFire[tr.Function] = scheduled
	status := &scheduleStatus{Last: "0001-01-01T00:00:00", LastUpdated: now.Format(time.RFC3339Nano)}
	if ok {
		status.Last = last.Format(time.RFC3339Nano)
	}
	if next, ok := tr.Schedule.Next(scheduled); ok {
		status.Next = next.Format(time.RFC3339Nano)
	}
	return status
}

// runSchedule fires a timer at each occurrence of its schedule until ctx ends.
func (h *Host) runSchedule(ctx context.Context, tr trigger) {
	at := time.Now().UTC()
	for {
		next, ok := tr.Schedule.Next(at)
		if !ok {
			h.opts.Log.Warn("schedule never fires", "function", tr.Function, "schedule", tr.Expression)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		h.fire(ctx, tr, next)
		at = next
	}
}

// report logs a result and hands it to OnResult.
func (h *Host) report(res Result) {
	attrs := []any{"function", res.Function, "invocation_id", res.InvocationID, "status", res.Status}
	if res.MessageID != "" {
		attrs = append(attrs, "message_id", res.MessageID, "dequeue_count", res.DequeueCount)
	}
	if res.OK() {
		h.opts.Log.Info("invocation succeeded", attrs...)
	} else {
		h.opts.Log.Warn("invocation failed", append(attrs, "error", res.Error, "poisoned", res.Poisoned)...)
	}
	if h.opts.OnResult != nil {
		h.opts.OnResult(res)
	}
}

// startBackground starts the schedules and the queue pollers.
func (h *Host) startBackground() {
	ctx, cancel := context.WithCancel(context.Background())
	h.stopBackground = cancel
	for _, tr := range h.triggers {
		if tr.Type == "httpTrigger" {
			continue // served by the HTTP front end from Start
		}
		if tr.Type == "queueTrigger" && h.opts.Storage == nil {
			h.opts.Log.Warn("no storage: queue trigger not polled", "function", tr.Function, "queue", tr.Queue)
			continue
		}
		h.background.Add(1)
		go func() {
			defer h.background.Done()
			if tr.Type == "timerTrigger" {
				h.runSchedule(ctx, tr)
			} else {
				h.pollQueue(ctx, tr)
			}
		}()
	}
}
