package main

import (
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
)

// maxLoggedMessage bounds how much of a queue message the start line shows.
const maxLoggedMessage = 512

// logStart writes the line that opens every invocation: what triggered it,
// as the handler decoded it. Operators see the queue message and its try
// count, or whether a timer ran late, without the host's trace logs.
func logStart(log *slog.Logger, decl function.Declaration, req invoke.Request) {
	switch decl.Trigger.Type {
	case "timerTrigger":
		logTimerStart(log, decl.Trigger.Name, req)
	case "queueTrigger":
		logQueueStart(log, decl.Trigger.Name, req)
	default:
		log.Info("invocation started", "trigger", decl.Trigger.Type)
	}
}

func logTimerStart(log *slog.Logger, binding string, req invoke.Request) {
	info, err := req.Timer(binding)
	if err != nil {
		log.Warn("invocation started", "trigger", "timer", "payload_error", err.Error())
		return
	}
	attrs := []any{"trigger", "timer", "past_due", info.IsPastDue}
	if s := info.Status; s != nil {
		if !s.Last.IsZero() {
			attrs = append(attrs, "last", s.Last.UTC().Format(time.RFC3339))
		}
		if !s.Next.IsZero() {
			attrs = append(attrs, "next", s.Next.UTC().Format(time.RFC3339))
		}
	}
	log.Info("invocation started", attrs...)
}

func logQueueStart(log *slog.Logger, binding string, req invoke.Request) {
	message, ok := req.DataString(binding)
	if !ok {
		log.Warn("invocation started", "trigger", "queue", "payload_error", "no "+binding+" in Data")
		return
	}
	shown := message
	if len(shown) > maxLoggedMessage {
		cut := maxLoggedMessage
		for cut > 0 && !utf8.RuneStart(shown[cut]) { // never split a character
			cut--
		}
		shown = shown[:cut] + "…"
	}
	log.Info("invocation started", "trigger", "queue",
		"message_id", req.MetadataString("Id"), "dequeue_count", req.DequeueCount(),
		"message_bytes", len(message), "message", shown)
}
