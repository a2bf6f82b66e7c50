package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// queueConfig is what the handler reads of host.json's extensions.queues to
// settle a queue message itself: after how many tries the host would poison
// it, and how the host stores messages.
type queueConfig struct {
	MaxDequeueCount int
	Base64          bool
}

// defaultQueueConfig is the host's own default.
var defaultQueueConfig = queueConfig{MaxDequeueCount: 5, Base64: true}

// loadQueueConfig reads host.json from the app root (FUNCTIONS_APP_ROOT_PATH,
// else the working directory, where the host starts the handler). No
// host.json, as for an operator's `handler run`, gives the host's defaults.
func loadQueueConfig(env settings.Env) (queueConfig, error) {
	dir, _ := env.Lookup("FUNCTIONS_APP_ROOT_PATH")
	data, err := os.ReadFile(filepath.Join(dir, "host.json"))
	if errors.Is(err, os.ErrNotExist) {
		return defaultQueueConfig, nil
	}
	if err != nil {
		return defaultQueueConfig, fmt.Errorf("host.json: %w", err)
	}
	return parseQueueConfig(data)
}

func parseQueueConfig(data []byte) (queueConfig, error) {
	var raw struct {
		Extensions struct {
			Queues struct {
				MaxDequeueCount *int   `json:"maxDequeueCount"`
				MessageEncoding string `json:"messageEncoding"`
			} `json:"queues"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return defaultQueueConfig, fmt.Errorf("host.json: %w", err)
	}
	cfg := defaultQueueConfig
	q := raw.Extensions.Queues
	if q.MaxDequeueCount != nil {
		if *q.MaxDequeueCount < 1 {
			return defaultQueueConfig, fmt.Errorf("host.json: extensions.queues.maxDequeueCount %d: want 1 or more", *q.MaxDequeueCount)
		}
		cfg.MaxDequeueCount = *q.MaxDequeueCount
	}
	cfg.Base64 = !strings.EqualFold(q.MessageEncoding, "none")
	return cfg, nil
}

// maxParkedError bounds the error text a parked message carries, so that
// the envelope stays well inside a queue message's 64 KiB.
const maxParkedError = 4096

// cut shortens s to at most n bytes on a character boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// settlement is what the handler did with a failed queue message instead of
// failing the invocation: "" (nothing; the host retries or poisons it),
// "parked" or "deferred".
type settlement string

const (
	parked   settlement = "parked"
	deferred settlement = "deferred"
)

// settle takes over a failed queue invocation where the host would do worse:
// a message the far side asked to come back to later goes back on its
// queue, invisible for that long, without costing a try; a message on its
// last try goes to <queue>-parked with its error, where it never expires
// (the host's poison queue keeps messages 7 days). It returns what it did;
// when it did nothing, or could not, the invocation fails as before.
func (r *runner) settle(ctx context.Context, inv *function.Invocation, decl function.Declaration, runErr error) settlement {
	req := inv.Request
	if decl.Trigger.Type != "queueTrigger" || runErr == nil || r.operatorRun || req.DequeueCount() == 0 {
		return ""
	}
	message, ok := req.DataString(decl.Trigger.Name)
	if !ok {
		return ""
	}
	cfg := r.queueConfig(inv.Log)
	stored := message
	if cfg.Base64 {
		stored = base64.StdEncoding.EncodeToString([]byte(message))
	}
	queue := r.triggerQueue(decl)
	d, isDeferred := function.IsDeferred(runErr)
	if !isDeferred && req.DequeueCount() < cfg.MaxDequeueCount {
		return ""
	}
	account, err := r.records.account()
	if err == nil && isDeferred {
		err = account.Defer(ctx, queue, stored, d.After)
	} else if err == nil {
		err = account.Park(ctx, queue, storage.Parked{Message: stored, Error: cut(r.redactor.String(runErr.Error()), maxParkedError),
			Time: time.Now().UTC(), Function: decl.Name, DequeueCount: req.DequeueCount()})
	}
	return r.settled(inv.Log, queue, d, err)
}

// settled logs and records what settle did.
func (r *runner) settled(log *slog.Logger, queue string, d *function.DeferredError, err error) settlement {
	switch {
	case err != nil:
		log.Error("queue message could not be put aside; the host retries or poisons it", "queue", queue, "error", r.redactor.String(err.Error()))
		return ""
	case d != nil:
		log.Warn("message put back on its queue to be tried again later; this try does not count",
			"queue", queue, "after", d.After.Round(time.Second).String())
		return deferred
	}
	log.Error("message parked after its last try: it waits, with no expiry, for handler requeue "+queue,
		"queue", queue+storage.ParkedSuffix)
	return parked
}

// triggerQueue resolves a queue trigger's %Setting% queue name.
func (r *runner) triggerQueue(decl function.Declaration) string {
	name := strings.Trim(decl.Trigger.QueueName, "%")
	for _, spec := range decl.Settings {
		if spec.Name == name {
			return settings.NewParser(r.env).String(spec)
		}
	}
	spec, ok := settings.ByName(name)
	if !ok {
		spec = settings.Spec{Name: name}
	}
	return settings.NewParser(r.env).String(spec)
}

// queueConfig returns host.json's queue settings, read once; a host.json
// that cannot be read gives the host's defaults and a warning.
func (r *runner) queueConfig(log *slog.Logger) queueConfig {
	r.queuesOnce.Do(func() {
		var err error
		r.queues, err = loadQueueConfig(r.env)
		if err != nil {
			log.Warn("host.json queue settings not read; assuming the host's defaults", "error", err.Error())
		}
	})
	return r.queues
}
