package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

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
}

func newRunner(env settings.Env, stdout, stderr io.Writer) *runner {
	return &runner{
		env:      env,
		stdout:   stdout,
		stderr:   stderr,
		redactor: logging.NewRedactor(settings.SecretValues(env, settings.All())...),
		records:  &recorder{open: func() (*storage.Account, error) { return storage.Open(env) }},
	}
}

// invoke runs one invocation of decl and returns the host response. A failed
// run returns the response (with the logs so far) and the redacted error.
func (r *runner) invoke(ctx context.Context, decl function.Declaration, id string, req invoke.Request) (invoke.Response, error) {
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
	err := safeRun(ctx, decl, inv)
	resp := invoke.Response{Outputs: inv.Outputs}
	if err != nil {
		err = errors.New(r.redactor.String(err.Error()))
		fmt.Fprintf(r.stderr, "%s %s %s: %s\n", time.Now().UTC().Format(time.RFC3339), decl.Name, id, err)
	}
	r.records.summarize(ctx, log, runrecord.New(decl.Name, id, start, time.Since(start), inv.Figures(), err))
	resp.Logs = capture.Lines()
	return resp, err
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
