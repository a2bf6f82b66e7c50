package function

import (
	"errors"
	"time"
)

// DeferredError is what a queue-triggered function returns when the far
// side asked it to come back later than the run can wait (SharePoint
// throttling with a long Retry-After): the handler puts the same message
// back on its queue, invisible for After, and completes the invocation, so
// the wait costs no try and the message does not head for the poison queue.
// Where the message cannot be put back (an operator's `handler run`), the
// run fails with Reason.
type DeferredError struct {
	After  time.Duration // how long the message waits before it is tried again
	Reason error         // what asked for the wait
}

// Defer asks for the message to be tried again after the given wait.
func Defer(after time.Duration, reason error) error {
	return &DeferredError{After: after, Reason: reason}
}

func (e *DeferredError) Error() string {
	return "deferred for " + e.After.Round(time.Second).String() + ": " + e.Reason.Error()
}

// Unwrap returns the reason.
func (e *DeferredError) Unwrap() error { return e.Reason }

// IsDeferred reports whether err asks for the message to be deferred, and
// returns it.
func IsDeferred(err error) (*DeferredError, bool) {
	var d *DeferredError
	ok := errors.As(err, &d)
	return d, ok
}
