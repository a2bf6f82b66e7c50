package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/logging"
	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// runner runs invocations: the one code path behind `serve` and `run`.
type runner struct {
	env      settings.Env
	stdout   io.Writer // JSON log lines
	stderr   io.Writer // failures, for the host's error stream
	redactor *logging.Redactor
	level    slog.Level
	records  *recorder

	queuesOnce sync.Once
	queues     queueConfig // host.json's queue settings, read on first need
	// operatorRun marks `handler run`: a queue function's message came from
	// the operator, so a failure is never settled on a queue (settle).
	operatorRun bool
}

func newRunner(env settings.Env, stdout, stderr io.Writer) *runner {
	return &runner{
		env:      env,
		stdout:   stdout,
		stderr:   stderr,
		redactor: logging.NewRedactor(settings.SecretValues(env, knownSettings(functions.All()))...),
		records:  &recorder{open: func() (*storage.Account, error) { return clients.Storage(env) }},
	}
}

// knownSettings returns the catalog plus every setting a declaration lists,
// one spec per name, a secret wherever any of them says so: the redactor is
// built from it, so a secret declared by a function is redacted even if the
// catalog missed it (a test keeps the two in step).
func knownSettings(decls []function.Declaration) []settings.Spec {
	specs := settings.All()
	index := map[string]int{}
	for i, s := range specs {
		index[s.Name] = i
	}
	for _, d := range decls {
		for _, s := range d.Settings {
			i, seen := index[s.Name]
			switch {
			case !seen:
				index[s.Name] = len(specs)
				specs = append(specs, s)
			case s.Secret:
				specs[i].Secret = true
			}
		}
	}
	return specs
}

// result is what one invocation gave.
type result struct {
	Response invoke.Response
	// Discarded says why a queue message was completed without being acted
	// on; "" when it was processed (or the invocation failed).
	Discarded string
	// Settled says what the handler did with a failed queue message
	// instead of failing the invocation: parked or deferred; "" for none.
	Settled settlement
}

// invoke runs one invocation of decl: every setting the function declares
// is validated first (a bad one fails the run with one error naming them
// all), then the function runs. A failed run returns the response (with the
// logs so far) and the redacted error.
func (r *runner) invoke(ctx context.Context, decl function.Declaration, id string, req invoke.Request) (result, error) {
	if id == "" {
		id = invoke.NewID()
	}
	capture := logging.NewCapture(logging.New(r.stdout, r.redactor, r.level).Handler(), r.redactor)
	log := slog.New(capture).With("invocation_id", id, "function", decl.Name)
	inv := &function.Invocation{
		ID: id, Function: decl.Name, Request: req, Env: r.env, Log: log,
		Clock: time.Now, Outputs: map[string]any{},
	}
	start := time.Now()
	logStart(log, decl, req)
	err := settings.Validate(r.env, decl.Settings)
	if err != nil {
		err = fmt.Errorf("%s: %w", decl.Name, err)
	} else {
		err = safeRun(ctx, decl, inv)
	}
	res := result{Response: invoke.Response{Outputs: inv.Outputs}}
	if d, ok := function.IsDiscarded(err); ok {
		res.Discarded, err = r.redactor.String(d.Reason.Error()), nil
		log.Warn("message discarded: completed without retry, as it can never succeed", "reason", res.Discarded)
	}
	if res.Discarded != "" {
		inv.Figure("discarded", 1)
	}
	res.Settled = r.settle(ctx, inv, decl, err)
	if res.Settled != "" {
		inv.Figure(string(res.Settled), 1)
	}
	if res.Settled == deferred {
		err = nil // not a failure: the message comes back when the far side asked
	}
	if err != nil {
		err = errors.New(r.redactor.String(err.Error()))
		fmt.Fprintf(r.stderr, "%s %s %s: %s\n", time.Now().UTC().Format(time.RFC3339), decl.Name, id, err)
	}
	r.records.summarize(ctx, log, runrecord.New(decl.Name, id, start, time.Since(start), inv.Figures(), err), !inv.RecordSkipped())
	res.Response.Logs = capture.Lines()
	if res.Settled == parked {
		return res, nil // the run failed, and is recorded so; the message is safe, so the host must not poison it
	}
	return res, err
}

// safeRun turns a panic in function code into an error, so one bad
// invocation cannot take down the process that serves the others.
func safeRun(ctx context.Context, decl function.Declaration, inv *function.Invocation) (err error) {
	defer func() {
		if p := recover(); p != nil {
			inv.Log.Error("panic", "value", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("%s: panic: %v", decl.Name, p)
		}
	}()
	if decl.Run == nil {
		return fmt.Errorf("%s: %w", decl.Name, function.ErrNotConfigured)
	}
	return decl.Run(ctx, inv)
}

// newQuietLogger discards log lines (for `check`, whose output is its table).
func newQuietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
