package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
)

func TestQueueStartLineShowsAValidMessagePrefix(t *testing.T) {
	decl := function.Declaration{Name: "Q", Trigger: function.Queue("message", settings.SPCleanupQueue)}
	tests := []struct {
		name, message string
		wantLen       int // bytes of message shown, before the ellipsis
	}{
		{"short", "hello", 5},
		{"ASCII over the limit", strings.Repeat("a", maxLoggedMessage+10), maxLoggedMessage},
		{"multi-byte character across the limit", strings.Repeat("a", maxLoggedMessage-1) + "é" + "tail", maxLoggedMessage - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, _ := json.Marshal(tt.message)
			req := invoke.Request{Data: map[string]json.RawMessage{"message": raw}}
			var out bytes.Buffer
			logStart(slog.New(slog.NewJSONHandler(&out, nil)), decl, req)
			var line map[string]any
			if err := json.Unmarshal(out.Bytes(), &line); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			shown, _ := line["message"].(string)
			shown = strings.TrimSuffix(shown, "…")
			if len(shown) != tt.wantLen || !utf8.ValidString(shown) || strings.ContainsRune(shown, utf8.RuneError) {
				t.Errorf("shown %d bytes (valid %v), want %d", len(shown), utf8.ValidString(shown), tt.wantLen)
			}
			if line["message_bytes"] != float64(len(tt.message)) {
				t.Errorf("message_bytes = %v", line["message_bytes"])
			}
		})
	}
}
