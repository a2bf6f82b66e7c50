package spchangepoll

// Checkpoint is where the poll stands when a test's hook is called.
type Checkpoint = checkpoint

// The checkpoints a page passes, in order.
const (
	StepPageFetched      = stepPageFetched
	StepEnqueued         = stepEnqueued
	StepBeforeTokenWrite = stepBeforeTokenWrite
)

// WithHook returns opts with a hook called at each checkpoint; an error it
// returns ends the poll there, as a crash would.
func WithHook(opts Options, hook func(Checkpoint) error) Options {
	opts.hook = hook
	return opts
}
