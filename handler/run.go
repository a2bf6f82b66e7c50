package main

// The run command: one invocation of a function, built as the host would
// send it, through the same path as serve.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
)

// runCommand is `handler run NAME`: one invocation, as the host would send it.
func runCommand(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	data := fs.String("data", "", `the Data object as JSON, or a whole {"Data":…,"Metadata":…} envelope`)
	file := settingsFlag(fs)
	name, rest := splitName(args)
	if err := fs.Parse(rest); err != nil {
		return usageError{err}
	}
	if name == "" {
		return usageError{errors.New("run: which function? " + names())}
	}
	decl, err := lookupFunction("run", name)
	if err != nil {
		return err
	}
	req, err := runRequest(decl, *data)
	if err != nil {
		return usageError{err}
	}
	env, err := commandEnv(*file)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := newRunner(env, os.Stdout, io.Discard)
	r.operatorRun = true // the message is the operator's, not the queue's: it is never parked or put back
	res, err := r.invoke(ctx, decl, "", req)
	if len(res.Response.Outputs) > 0 {
		out, _ := json.MarshalIndent(res.Response.Outputs, "", "  ")
		fmt.Fprintf(os.Stderr, "outputs: %s\n", r.redactor.String(string(out)))
	}
	if err == nil && res.Discarded != "" {
		return discardedError{reason: res.Discarded}
	}
	return err
}

// runRequest builds the request of a hand-run invocation from --data: a
// whole {"Data","Metadata"} envelope; the Data object, keyed by the trigger's
// binding name; for a queue function, the message itself (any text, JSON or
// not, as the host's admin endpoint takes a queue function's "input"); for a
// timer function, the TimerInfo object. With no --data a timer function gets
// the payload the host sends on schedule.
func runRequest(decl function.Declaration, data string) (invoke.Request, error) {
	data = strings.TrimSpace(data)
	queue := decl.Trigger.Type == "queueTrigger"
	if data == "" {
		if queue {
			return invoke.Request{}, fmt.Errorf("run: %s is queue-triggered: give the message with --data (the message text, or '{\"%s\":\"…\"}')", decl.Name, decl.Trigger.Name)
		}
		data = `{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}`
	}
	var probe map[string]json.RawMessage
	isObject := json.Unmarshal([]byte(data), &probe) == nil && probe != nil
	var req invoke.Request
	switch {
	case isObject && has(probe, "Data"):
		envelope, err := invoke.Decode([]byte(data))
		if err != nil {
			return invoke.Request{}, fmt.Errorf("run: --data: %w", err)
		}
		req = envelope
	case isObject && has(probe, decl.Trigger.Name):
		req = invoke.Request{Data: probe}
	case queue:
		message, _ := json.Marshal(data)
		req = invoke.Request{Data: map[string]json.RawMessage{decl.Trigger.Name: message}}
	case isObject && (has(probe, "IsPastDue") || has(probe, "Schedule") || has(probe, "ScheduleStatus")):
		req = invoke.Request{Data: map[string]json.RawMessage{decl.Trigger.Name: json.RawMessage(data)}}
	case isObject && has(probe, "full"):
		// A hand run's option {"full":true} (EntraDeltaExport) rides on the TimerInfo object.
		req = invoke.Request{Data: map[string]json.RawMessage{decl.Trigger.Name: json.RawMessage(data)}}
	default:
		return invoke.Request{}, fmt.Errorf(`run: --data for %s is not a JSON object: give {"%s":{"IsPastDue":false}} or a whole {"Data":…,"Metadata":…} envelope`, decl.Name, decl.Trigger.Name)
	}
	if req.Metadata == nil {
		req.Metadata = map[string]json.RawMessage{}
	}
	if queue {
		addQueueMetadata(req.Metadata, time.Now())
	}
	return req, nil
}

// has reports whether m has key, matched without regard to case as the host does.
func has(m map[string]json.RawMessage, key string) bool {
	_, ok := invoke.Lookup(m, key)
	return ok
}

// addQueueMetadata fills in the queue trigger metadata the host would send
// for a first delivery, keeping any key already given.
func addQueueMetadata(md map[string]json.RawMessage, now time.Time) {
	quoted := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	at := func(t time.Time) json.RawMessage { return quoted(t.UTC().Format(time.RFC3339Nano)) }
	defaults := map[string]json.RawMessage{
		"DequeueCount":    quoted("1"),
		"Id":              quoted(string(quoted(invoke.NewID()))),
		"PopReceipt":      quoted(`"manual"`),
		"InsertionTime":   at(now),
		"NextVisibleTime": at(now.Add(10 * time.Minute)),
		"ExpirationTime":  at(now.Add(7 * 24 * time.Hour)),
	}
	for key, value := range defaults {
		if !has(md, key) {
			md[key] = value
		}
	}
}
