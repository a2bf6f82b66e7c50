// Package logging builds tenantops' slog loggers: JSON lines, the invocation
// id and function name on every line, and a redactor that keeps secret
// setting values out of every line and error text.
package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Redactor replaces known secret values with "<redacted>". Its zero value
// redacts nothing.
type Redactor struct {
	replacer *strings.Replacer // nil: nothing to redact
}

// minSecretLen keeps trivially short values (say "1") from shredding every line.
const minSecretLen = 4

// NewRedactor returns a Redactor for the given secret values: each secret
// is redacted as written and in every escaped form a writer of ours can
// give it (see escapers), nested up to escapeDepth times, and a multi-line
// secret such as a PEM key also line by line.
func NewRedactor(secrets ...string) *Redactor {
	seen := map[string]bool{}
	var forms []string
	add := func(s string) {
		for _, form := range escapings(s) {
			if len(form) >= minSecretLen && !seen[form] {
				seen[form] = true
				forms = append(forms, form)
			}
		}
	}
	for _, s := range secrets {
		add(s)
		add(strings.TrimSpace(s))
		// Multi-line secrets such as PEM keys, with real line breaks or with
		// the literal \n an app setting may hold instead: each line alone.
		lines := strings.NewReplacer("\r\n", "\n", "\r", "\n", `\n`, "\n").Replace(s)
		for _, line := range strings.Split(lines, "\n") {
			add(strings.TrimSpace(line))
		}
	}
	if len(forms) == 0 {
		return &Redactor{}
	}
	// Longest first: at any position the longest form wins, so a secret
	// that contains another is replaced whole.
	sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, "<redacted>")
	}
	return &Redactor{replacer: strings.NewReplacer(pairs...)}
}

// escapeDepth is how many times a secret may have been quoted: a JSON log
// line of a JSON document that quotes an error quoting a secret has three.
const escapeDepth = 3

// escapers are the ways our writers put a string inside quotes, each
// returning the text between the quotes. They differ: log/slog's JSON
// handler leaves <, > and & alone where encoding/json writes \u003c, and
// fmt's %q writes \x00 where JSON writes \u0000.
var escapers = []func(string) string{
	slogJSON,
	func(s string) string { return jsonString(s, true) },                           // json.Marshal
	func(s string) string { return jsonString(s, false) },                          // a json.Encoder with SetEscapeHTML(false)
	func(s string) string { q := strconv.Quote(s); return q[1 : len(q)-1] },        // %q, and slog's text handler
	func(s string) string { q := strconv.QuoteToASCII(s); return q[1 : len(q)-1] }, // %+q
}

// escapings returns s and every form the escapers give it, nested up to
// escapeDepth times.
func escapings(s string) []string {
	seen := map[string]bool{s: true}
	out := []string{s}
	level := []string{s}
	for range escapeDepth {
		var next []string
		for _, form := range level {
			for _, escape := range escapers {
				if e := escape(form); !seen[e] {
					seen[e] = true
					out = append(out, e)
					next = append(next, e)
				}
			}
		}
		level = next
	}
	return out
}

// jsonString is s as encoding/json writes it, without the quotes.
func jsonString(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// slogJSON is s as log/slog's JSON handler writes a string, without the
// quotes: the handler itself writes it, so the form cannot drift from it.
func slogJSON(s string) string {
	var b bytes.Buffer
	noTimeOrLevel := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
			return slog.Attr{}
		}
		return a
	}
	slog.New(slog.NewJSONHandler(&b, &slog.HandlerOptions{ReplaceAttr: noTimeOrLevel})).Info(s)
	out := strings.TrimSuffix(b.String(), "\n") // {"msg":"…"}
	return strings.TrimSuffix(strings.TrimPrefix(out, `{"msg":"`), `"}`)
}

// String returns s with every secret replaced.
func (r *Redactor) String(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
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
