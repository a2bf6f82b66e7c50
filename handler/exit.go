package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/function"
)

// Exit statuses of the handler: 0 success, exitFailed for a failed
// command or invocation, exitUsage for a command given wrongly, and
// exitDiscarded when `run` completed a queue message without acting on it.
const (
	exitFailed    = 1
	exitUsage     = 2
	exitDiscarded = 3
)

// exitStatus returns the process exit status for a command's error.
func exitStatus(err error) int {
	var usage usageError
	var discarded discardedError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &usage):
		return exitUsage
	case errors.As(err, &discarded):
		return exitDiscarded
	}
	return exitFailed
}

// usageError is a command given wrongly: an unknown function, a bad flag.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// discardedError reports a queue message that `run` delivered and the
// function completed without acting on: right for the host (the message
// can never succeed, so it is not retried), worth saying by hand.
type discardedError struct{ reason string }

func (e discardedError) Error() string {
	return fmt.Sprintf("run: the message was discarded, not processed: %s; in Azure the host would complete it "+
		"without retry (exit status %d)", e.reason, exitDiscarded)
}

// lookupFunction finds a declaration by its exact name, or says which
// function was probably meant.
func lookupFunction(command, name string) (function.Declaration, error) {
	if decl, ok := functions.Lookup(name); ok {
		return decl, nil
	}
	msg := fmt.Sprintf("%s: no function named %q", command, name)
	if guess := suggest(name); guess != "" {
		msg += fmt.Sprintf("; did you mean %s? (names are case-sensitive)", guess)
	} else {
		msg += "; have " + names()
	}
	return function.Declaration{}, usageError{errors.New(msg)}
}

// suggest returns the function name closest to name: the same name in
// another case, one that contains it, or one a few typing slips away.
func suggest(name string) string {
	lower := strings.ToLower(strings.TrimSpace(name))
	if lower == "" {
		return ""
	}
	best, bestDistance := "", 4 // more than 3 edits is a different word
	for _, d := range functions.All() {
		candidate := strings.ToLower(d.Name)
		switch {
		case candidate == lower:
			return d.Name
		case len(lower) >= 4 && strings.Contains(candidate, lower):
			best, bestDistance = d.Name, 0
		}
		if n := editDistance(lower, candidate); n < bestDistance {
			best, bestDistance = d.Name, n
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
