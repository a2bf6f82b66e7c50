// Package status answers the operator's morning question: did every function
// run, how did it go, and is anything going bad quietly. It reads the run
// records (internal/runrecord), holds each timer function's last run against
// its schedule, and asks each function for the state it can report (poison
// queue depth, token ages, record counts). Text, JSON and an HTML report with
// charts render the same Report.
package status

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/schedule"
	"github.com/tenantops/tenantops/internal/settings"
)

// HistoryDays is how far back the report's charts reach.
const HistoryDays = 30

// Function is the status of one function.
type Function struct {
	Name     string                `json:"function"`
	Trigger  string                `json:"trigger"`            // timer or queue
	Schedule string                `json:"schedule,omitempty"` // a timer's NCRONTAB expression
	Last     *runrecord.Record     `json:"lastRun,omitempty"`
	Overdue  bool                  `json:"overdue"`
	Due      *time.Time            `json:"due,omitempty"` // when the second run after the last one was due
	Failing  bool                  `json:"failing"`
	State    []function.StatusItem `json:"state,omitempty"`
	Problems []string              `json:"problems,omitempty"`
	History  []runrecord.Record    `json:"-"`
}

// Bad reports whether the function needs an operator.
func (f Function) Bad() bool { return len(f.Problems) > 0 }

// Report is the status of every function at one moment.
type Report struct {
	Generated time.Time  `json:"generated"`
	Functions []Function `json:"functions"`
}

// Bad counts the functions that need an operator.
func (r Report) Bad() int {
	n := 0
	for _, f := range r.Functions {
		if f.Bad() {
			n++
		}
	}
	return n
}

// Options are what Collect reads from.
type Options struct {
	Declarations []function.Declaration
	Records      *runrecord.Store
	Env          settings.Env
	Log          *slog.Logger
	Now          time.Time
}

// Collect builds the report. A function whose records cannot be read (a
// storage error, a blob too large to be a record) is reported with that as
// its problem; the other functions are still reported.
func Collect(ctx context.Context, opts Options) (Report, error) {
	report := Report{Generated: opts.Now.UTC()}
	for _, decl := range opts.Declarations {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		report.Functions = append(report.Functions, collectOne(ctx, opts, decl))
	}
	return report, nil
}

// ClockSkewTolerance is how far in the future a run's start may lie before
// the report calls it clock skew: the clocks of the app and of the machine
// running the report are never quite the same.
const ClockSkewTolerance = time.Minute

func collectOne(ctx context.Context, opts Options, decl function.Declaration) Function {
	f := Function{Name: decl.Name, Trigger: strings.TrimSuffix(decl.Trigger.Type, "Trigger")}
	latestRead := readRecords(ctx, &f, opts)
	if f.Last != nil && !f.Last.OK() {
		f.Failing = true
		f.Problems = append(f.Problems, "last run failed: "+f.Last.Error)
	}
	if f.Last != nil && f.Last.Start.After(opts.Now.Add(ClockSkewTolerance)) {
		f.Problems = append(f.Problems, fmt.Sprintf("clock skew: the last run's start (%s UTC) is %s ahead of this clock; "+
			"its age and whether it is overdue cannot be judged", f.Last.Start.UTC().Format(time.RFC3339), Age(f.Last.Start.Sub(opts.Now))))
	} else if decl.Trigger.Type == "timerTrigger" && latestRead {
		judgeSchedule(&f, decl, opts)
	}
	if decl.Status != nil {
		f.State = decl.Status(ctx, &function.Invocation{Function: decl.Name, Env: opts.Env, Log: opts.Log,
			Clock: func() time.Time { return opts.Now }, Outputs: map[string]any{}})
		for _, item := range f.State {
			if item.Bad {
				f.Problems = append(f.Problems, item.Name+": "+item.Note)
			}
		}
	}
	return f
}

// readRecords fills in the last run and the history; a failed read is the
// function's problem. It reports whether the last run's record was read
// (or there is none).
func readRecords(ctx context.Context, f *Function, opts Options) (latestRead bool) {
	last, err := opts.Records.Latest(ctx, f.Name)
	switch {
	case errors.Is(err, runrecord.ErrNoRecord):
	case err != nil:
		f.Problems = append(f.Problems, "the last run's record could not be read: "+err.Error())
	default:
		f.Last = &last
	}
	latestRead = err == nil || errors.Is(err, runrecord.ErrNoRecord)
	if f.History, err = opts.Records.History(ctx, f.Name, opts.Now.AddDate(0, 0, -HistoryDays)); err != nil {
		f.Problems = append(f.Problems, "the run history could not be read: "+err.Error())
	}
	return latestRead
}

// judgeSchedule holds a timer function's last run against its schedule: it
// is overdue when a second scheduled run after the last one has come and
// gone with nothing recorded (a run still going at that moment has had a
// whole interval).
func judgeSchedule(f *Function, decl function.Declaration, opts Options) {
	f.Schedule = scheduleOf(decl, opts.Env)
	sched, err := schedule.Parse(f.Schedule)
	if err != nil {
		f.Problems = append(f.Problems, fmt.Sprintf("schedule %q: %v", f.Schedule, err))
		return
	}
	if f.Last == nil {
		f.Overdue = true
		f.Problems = append(f.Problems, "no run recorded")
		return
	}
	due, ok := secondRunAfter(sched, f.Last.Start)
	if !ok {
		return
	}
	f.Due = &due
	if opts.Now.After(due) {
		f.Overdue = true
		f.Problems = append(f.Problems, fmt.Sprintf("overdue: last run %s ago, schedule %q",
			Age(opts.Now.Sub(f.Last.Start)), f.Schedule))
	}
}

// secondRunAfter returns the second firing of a schedule after t.
func secondRunAfter(sched schedule.Schedule, t time.Time) (time.Time, bool) {
	first, ok := sched.Next(t)
	if !ok {
		return time.Time{}, false
	}
	return sched.Next(first)
}

// scheduleOf reads a timer function's schedule setting (its %Setting%
// reference), with the catalog's default.
func scheduleOf(decl function.Declaration, env settings.Env) string {
	name := strings.Trim(decl.Trigger.Schedule, "%")
	for _, spec := range decl.Settings {
		if spec.Name == name {
			return settings.NewParser(env).String(spec)
		}
	}
	return settings.NewParser(env).String(settings.Spec{Name: name})
}

// Age formats a duration for people: 45s, 12m, 5h10m, 3d4h.
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}
