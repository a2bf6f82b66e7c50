// Package devhost is a small stand-in for the Azure Functions host, for
// development and tests only: it runs the built handler the way the host
// runs a custom handler and drives it through the same HTTP protocol.
//
// It starts the executable named in host.json with FUNCTIONS_CUSTOMHANDLER_PORT
// and the app settings in its environment, waits until GET / answers, reads
// each <Function>/function.json, fires timer triggers on their NCRONTAB
// schedule or on demand, and delivers messages from storage queues with the
// host's retry and poison-queue behaviour, and serves HTTP triggers at
// /api/<route> on a loopback port of its own. Schedules run in UTC, as on Linux
// Consumption and Flex Consumption plans.
package devhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/storage"
)

// Options configures a Host.
type Options struct {
	// Dir is the app root: host.json, one folder per function, the binary.
	Dir string
	// Env holds the app settings. The handler's environment is these plus
	// PATH, HOME and the temp dir; %Setting% references resolve from them.
	Env map[string]string
	// Storage is the account whose queues feed queue triggers. Without it,
	// Drain and queue polling fail.
	Storage *storage.Account
	// Stdout and Stderr receive the handler's output (discarded when nil).
	Stdout, Stderr io.Writer
	// Log receives the host's own lines (discarded when nil).
	Log *slog.Logger
	// StartTimeout bounds the wait for the first answer to GET / (30 s when zero).
	StartTimeout time.Duration
	// RetryDelay is how long a failed queue message stays invisible before
	// its next try. Zero means host.json's visibilityTimeout; a negative
	// value retries at once.
	RetryDelay time.Duration
	// Background runs timers on their schedules and polls the trigger
	// queues until Close. Without it, only Fire and Drain invoke functions.
	Background bool
	// OnResult, when set, is called after every invocation.
	OnResult func(Result)
	// FunctionKey is the key HTTP functions with authLevel function want
	// in ?code= or x-functions-key; empty accepts any (as Core Tools does).
	FunctionKey string
	// HTTPAddr is where HTTP triggers are served; default a free loopback port.
	HTTPAddr string
}

// Result is the outcome of one invocation.
type Result struct {
	Function     string
	InvocationID string
	Trigger      string // timerTrigger or queueTrigger
	MessageID    string // queue triggers: the storage message id
	DequeueCount int    // queue triggers: this delivery's count
	Status       int    // HTTP status of the handler's answer; 0 when none came
	Logs         []string
	Error        string // the failure, "" on success
	Poisoned     bool   // the message went to <queue>-poison after this try
	Outputs      map[string]any
}

// OK reports whether the invocation succeeded.
func (r Result) OK() bool { return r.Error == "" }

// Host is a running handler process and the triggers that drive it.
type Host struct {
	opts     Options
	config   hostConfig
	triggers []trigger
	proc     *process
	client   *http.Client
	baseURL  string

	mu       sync.Mutex
	lastFire map[string]time.Time // timer function -> last scheduled time (ScheduleStatus.Last)

	front *http.Server // HTTP triggers, at /api/<route>
	http  string       // the front end's base URL

	stopBackground context.CancelFunc
	background     sync.WaitGroup
}

// Start reads the app in opts.Dir, starts its handler and waits until it
// answers. The caller stops it with Close.
func Start(ctx context.Context, opts Options) (*Host, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 30 * time.Second
	}
	cfg, err := readHostConfig(opts.Dir, opts.Env)
	if err != nil {
		return nil, err
	}
	triggers, err := readTriggers(opts.Dir, opts.Env)
	if err != nil {
		return nil, err
	}
	h := &Host{opts: opts, config: cfg, triggers: triggers, client: &http.Client{Timeout: invocationTimeout(cfg)}, lastFire: map[string]time.Time{}}
	h.proc, err = startProcess(cfg, opts)
	if err != nil {
		return nil, err
	}
	h.baseURL = "http://127.0.0.1:" + h.proc.port
	if err := h.proc.awaitReady(ctx, h.client, opts.StartTimeout); err != nil {
		_ = h.proc.stop(5 * time.Second)
		return nil, err
	}
	if err := h.startFront(); err != nil {
		_ = h.proc.stop(5 * time.Second)
		return nil, err
	}
	opts.Log.Info("handler ready", "port", h.proc.port, "functions", len(triggers))
	if opts.Background {
		h.startBackground()
	}
	return h, nil
}

// Functions returns the names of the functions the host found, in folder order.
func (h *Host) Functions() []string {
	out := make([]string, len(h.triggers))
	for i, tr := range h.triggers {
		out[i] = tr.Function
	}
	return out
}

// Close stops the background triggers, then sends the handler SIGTERM and
// waits for it to exit (killing it after 30 s). It returns the handler's
// exit error, if any.
func (h *Host) Close() error {
	if h.front != nil {
		_ = h.front.Close()
	}
	if h.stopBackground != nil {
		h.stopBackground()
		h.background.Wait()
	}
	return h.proc.stop(30 * time.Second)
}

func (h *Host) trigger(function string) (trigger, error) {
	for _, tr := range h.triggers {
		if tr.Function == function {
			return tr, nil
		}
	}
	return trigger{}, fmt.Errorf("devhost: no function named %q", function)
}

// errNoStorage is returned by queue operations on a host without storage.
var errNoStorage = errors.New("devhost: queue triggers need Options.Storage")

// invocationTimeout is how long the host waits for an invocation's answer:
// functionTimeout plus a minute, or without end when functionTimeout is unset.
func invocationTimeout(cfg hostConfig) time.Duration {
	if cfg.FunctionTimeout <= 0 {
		return 0
	}
	return cfg.FunctionTimeout + time.Minute
}
