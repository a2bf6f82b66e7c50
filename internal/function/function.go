// Package function declares tenantops' functions in Go: name, trigger,
// output bindings, the settings each reads, and the code that runs it. The
// host-facing function.json files are generated from these declarations.
package function

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
)

// Binding is one entry of function.json's "bindings" array.
type Binding struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Direction  string   `json:"direction"`
	Schedule   string   `json:"schedule,omitempty"`
	QueueName  string   `json:"queueName,omitempty"`
	Connection string   `json:"connection,omitempty"`
	DataType   string   `json:"dataType,omitempty"`
	UseMonitor *bool    `json:"useMonitor,omitempty"`
	AuthLevel  string   `json:"authLevel,omitempty"`
	Route      string   `json:"route,omitempty"`
	Methods    []string `json:"methods,omitempty"`
}

// HTTP returns an HTTP trigger binding with authLevel function (the caller
// needs the function's key) on route (under /api/), for the given methods.
func HTTP(name, route string, methods ...string) Binding {
	return Binding{Name: name, Type: "httpTrigger", Direction: "in", AuthLevel: "function",
		Route: route, Methods: methods}
}

// HTTPOut returns the http output binding that carries an HTTP trigger's
// answer: Outputs[name] = {statusCode, headers, body}.
func HTTPOut(name string) Binding {
	return Binding{Name: name, Type: "http", Direction: "out"}
}

// Timer returns a timer trigger binding whose schedule is the %Setting% reference.
func Timer(name string, schedule settings.Spec) Binding {
	monitor := true
	return Binding{Name: name, Type: "timerTrigger", Direction: "in",
		Schedule: "%" + schedule.Name + "%", UseMonitor: &monitor}
}

// Queue returns a queue trigger binding on the queue named by the %Setting% reference.
func Queue(name string, queue settings.Spec) Binding {
	return Binding{Name: name, Type: "queueTrigger", Direction: "in",
		QueueName: "%" + queue.Name + "%", Connection: "AzureWebJobsStorage"}
}

// RunFunc runs one invocation.
type RunFunc func(ctx context.Context, inv *Invocation) error

// CheckFunc tries each dependency a function needs and reports on each.
type CheckFunc func(ctx context.Context, inv *Invocation) []CheckResult

// CheckResult is one row of `handler check`.
type CheckResult struct {
	Dependency string
	OK         bool
	Why        string
}

// Declaration is everything about one function.
type Declaration struct {
	Name     string          // folder name in the app and the path the host posts to
	Trigger  Binding         // the trigger binding
	Outputs  []Binding       // output bindings, if any
	Settings []settings.Spec // every app setting the function reads
	Run      RunFunc
	Check    CheckFunc  // optional
	Status   StatusFunc // optional
}

// StatusFunc reports the state of a function that can go bad while its runs
// still succeed (a poison queue filling up, a change token ageing), for
// `handler status`.
type StatusFunc func(ctx context.Context, inv *Invocation) []StatusItem

// StatusItem is one piece of that state.
type StatusItem struct {
	Name  string  // what it is: "poison queue", "change token age"
	Value float64 // its size, in Unit
	Unit  string  // "messages", "days", "records"
	Bad   bool    // needs an operator
	Note  string  // what the value means against its limit, or why it could not be read
}

// Bindings returns the trigger followed by the outputs.
func (d Declaration) Bindings() []Binding {
	return append([]Binding{d.Trigger}, d.Outputs...)
}

// Invocation is one run of a function, as the function's code sees it.
type Invocation struct {
	ID       string         // X-Azure-Functions-InvocationId, or a generated id
	Function string         // the function's name
	Request  invoke.Request // Data and Metadata from the host
	Env      settings.Env   // app settings
	Log      *slog.Logger   // JSON lines tagged with the invocation id and function name; redacting
	Clock    func() time.Time

	// Outputs receives output binding values by binding name.
	Outputs map[string]any

	figuresMu sync.Mutex
	figures   map[string]any
	noRecord  bool
}

// SkipRecord asks the handler to keep no run record of this invocation (its
// summary line is still logged): for an answer that must not wait on
// storage, such as a webhook's validation handshake.
func (inv *Invocation) SkipRecord() {
	inv.figuresMu.Lock()
	defer inv.figuresMu.Unlock()
	inv.noRecord = true
}

// RecordSkipped reports whether SkipRecord was called.
func (inv *Invocation) RecordSkipped() bool {
	inv.figuresMu.Lock()
	defer inv.figuresMu.Unlock()
	return inv.noRecord
}

// Figure records one of the run's key figures (files delivered, deletes
// queued, backup size, ...) under name. The handler writes them into the
// run's summary log line and its run record, failed runs included, so a
// function records each figure as soon as it is known. Figure is safe for
// concurrent use; a later value replaces an earlier one.
func (inv *Invocation) Figure(name string, value any) {
	inv.figuresMu.Lock()
	defer inv.figuresMu.Unlock()
	if inv.figures == nil {
		inv.figures = map[string]any{}
	}
	inv.figures[name] = value
}

// Figures returns a copy of the figures recorded so far.
func (inv *Invocation) Figures() map[string]any {
	inv.figuresMu.Lock()
	defer inv.figuresMu.Unlock()
	out := make(map[string]any, len(inv.figures))
	for k, v := range inv.figures {
		out[k] = v
	}
	return out
}

// Now returns the invocation's clock reading (time.Now when no clock is set).
func (inv *Invocation) Now() time.Time {
	if inv.Clock != nil {
		return inv.Clock()
	}
	return time.Now()
}

// Settings returns a parser over the invocation's app settings.
func (inv *Invocation) Settings() *settings.Parser { return settings.NewParser(inv.Env) }

// ErrNotConfigured is returned for a declaration that has no Run.
var ErrNotConfigured = errors.New("not configured")
