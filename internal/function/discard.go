package function

import "errors"

// DiscardedError is what a queue-triggered function returns for a message it
// completes without acting on (malformed, or about another site): the host
// is told the invocation succeeded, so the message is not retried and does
// not go to the poison queue, and `handler run` says the message was
// discarded and exits with its own status.
type DiscardedError struct {
	Reason error // why the message was discarded
}

// Discard marks reason as the cause of a discarded message.
func Discard(reason error) error { return &DiscardedError{Reason: reason} }

func (e *DiscardedError) Error() string { return "message discarded: " + e.Reason.Error() }

// Unwrap returns the reason.
func (e *DiscardedError) Unwrap() error { return e.Reason }

// IsDiscarded reports whether err marks a discarded message, and returns it.
func IsDiscarded(err error) (*DiscardedError, bool) {
	var d *DiscardedError
	ok := errors.As(err, &d)
	return d, ok
}
