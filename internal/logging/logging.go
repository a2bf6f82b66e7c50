// Package logging builds tenantops' slog loggers: JSON lines, the invocation
// id and function name on every line, and a redactor that keeps secret
// setting values out of every line and error text.
package logging

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
)

// Redactor replaces known secret values with "<redacted>". Its zero value
// redacts nothing.
type Redactor struct {
	forms []string // each secret, raw and as it appears inside JSON strings, longest first
}

// minSecretLen keeps trivially short values (say "1") from shredding every line.
const minSecretLen = 4

// NewRedactor returns a Redactor for the given secret values.
func NewRedactor(secrets ...string) *Redactor {
	seen := map[string]bool{}
	var forms []string
	add := func(s string) {
		if len(s) >= minSecretLen && !seen[s] {
			seen[s] = true
			forms = append(forms, s)
		}
	}
	for _, s := range secrets {
		for _, form := range []string{s, strings.TrimSpace(s)} {
			for _, escaped := range escapings(form) {
				add(escaped)
			}
		}
		// Multi-line secrets such as PEM keys, with real line breaks or with
		// the literal \n an app setting may hold instead: each line alone.
		lines := strings.NewReplacer("\r\n", "\n", "\r", "\n", `\n`, "\n").Replace(s)
		for _, line := range strings.Split(lines, "\n") {
			for _, escaped := range escapings(strings.TrimSpace(line)) {
				add(escaped)
			}
		}
	}
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	return &Redactor{forms: forms}
}

// escapeDepth is how many times a secret may have been put inside a JSON
// string: a JSON log line of a JSON document that quotes a secret has two.
const escapeDepth = 3

// escapings returns s and s escaped for a JSON string once, twice, ….
func escapings(s string) []string {
	out := []string{s}
	for range escapeDepth {
		quoted, _ := json.Marshal(s)
		s = string(quoted[1 : len(quoted)-1])
		out = append(out, s)
	}
	return out
}

// String returns s with every secret replaced.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, "<redacted>")
		}
	}
	return s
}

// Writer returns a writer that redacts each write before passing it on.
// slog handlers write one whole record per call, so a secret never straddles
// two writes.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	return &redactingWriter{r: r, w: w}
}

type redactingWriter struct {
	mu sync.Mutex
	r  *Redactor
	w  io.Writer
}

func (rw *redactingWriter) Write(p []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if _, err := io.WriteString(rw.w, rw.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// New returns a JSON logger writing to w through the redactor.
func New(w io.Writer, r *Redactor, level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewJSONHandler(r.Writer(w), &slog.HandlerOptions{Level: level}))
}

// Capture is a slog.Handler wrapper that also keeps each record's message,
// redacted, so the handler can return them in the response's Logs.
type Capture struct {
	slog.Handler
	mu    *sync.Mutex
	lines *[]string
	r     *Redactor
}

// NewCapture wraps h.
func NewCapture(h slog.Handler, r *Redactor) *Capture {
	return &Capture{Handler: h, mu: &sync.Mutex{}, lines: &[]string{}, r: r}
}

// Handle implements slog.Handler.
func (c *Capture) Handle(ctx context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Level.String())
	b.WriteString(" ")
	b.WriteString(rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		b.WriteString(" ")
		b.WriteString(a.Key)
		b.WriteString("=")
		b.WriteString(a.Value.String())
		return true
	})
	c.mu.Lock()
	*c.lines = append(*c.lines, c.r.String(b.String()))
	c.mu.Unlock()
	return c.Handler.Handle(ctx, rec)
}

// WithAttrs implements slog.Handler.
func (c *Capture) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Capture{Handler: c.Handler.WithAttrs(attrs), mu: c.mu, lines: c.lines, r: c.r}
}

// WithGroup implements slog.Handler.
func (c *Capture) WithGroup(name string) slog.Handler {
	return &Capture{Handler: c.Handler.WithGroup(name), mu: c.mu, lines: c.lines, r: c.r}
}

// Lines returns the captured lines so far.
func (c *Capture) Lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), *c.lines...)
}
