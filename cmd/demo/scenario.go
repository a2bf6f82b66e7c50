package main

import (
	"context"
	"io"
	"sort"
	"sync"

	"github.com/tenantops/tenantops/internal/storage"
)

// Host is what a scenario drives: the local host running the built binary.
type Host interface {
	// Fire runs a timer-triggered function once through the custom-handler
	// protocol and returns its failure, if any.
	Fire(ctx context.Context, function string) error
	// Drain delivers queue-triggered invocations until every trigger queue is
	// empty (failures are retried and finally poisoned as the real host does).
	Drain(ctx context.Context) error
}

// Stage is what the demo gives each scenario.
type Stage struct {
	Dir               string           // a scratch folder of the scenario's own
	StorageConnection string           // Azurite's connection string (also in AzureWebJobsStorage)
	Storage           *storage.Account // Azurite, opened
	HTTPURL           string           // where the local host serves HTTP functions (+ /api/<route>)
	cleanups          []func()
}

// Cleanup registers f to run when the demo ends.
func (s *Stage) Cleanup(f func()) { s.cleanups = append(s.cleanups, f) }

// scenario is one function's part of `make demo`.
type scenario struct {
	Name  string // the function it shows
	Order int    // scenarios run in ascending order
	// Setup starts the scenario's stand-ins and returns the app settings the
	// function needs to reach them. It runs before the host starts.
	Setup func(ctx context.Context, st *Stage) (map[string]string, error)
	// Run triggers the function through the host and writes a readable
	// summary of what it did to out.
	Run func(ctx context.Context, st *Stage, host Host, out io.Writer) error
}

var (
	scenariosMu sync.Mutex
	scenarios   []scenario
)

// register adds a scenario; each scenario file calls it from init.
func register(s scenario) {
	scenariosMu.Lock()
	defer scenariosMu.Unlock()
	scenarios = append(scenarios, s)
	sort.SliceStable(scenarios, func(i, j int) bool { return scenarios[i].Order < scenarios[j].Order })
}
