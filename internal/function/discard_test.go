package function

import (
	"errors"
	"fmt"
	"testing"
)

func TestDiscard(t *testing.T) {
	reason := errors.New("no listId")
	err := fmt.Errorf("SharePointCleanup: %w", Discard(reason))
	d, ok := IsDiscarded(err)
	if !ok || d.Reason != reason || !errors.Is(err, reason) {
		t.Fatalf("IsDiscarded(%v) = %v, %v", err, d, ok)
	}
	if _, ok := IsDiscarded(reason); ok {
		t.Error("a plain error reported as a discard")
	}
}
