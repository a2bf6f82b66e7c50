package infra

import (
	"fmt"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/schedule"
	"github.com/tenantops/tenantops/internal/settings"
)

// The alert regions: one failure rule per function, one heartbeat per timer
// function with a window of about two intervals of its default schedule.

// MaxLogAlertWindow is the longest look-back of a log search alert rule.
const MaxLogAlertWindow = 48 * time.Hour

// Heartbeat is the heartbeat alert of one timer function.
type Heartbeat struct {
	Function    string        // the function's name
	Schedule    settings.Spec // its schedule setting
	WindowParam string        // the template parameter of its window
	Window      time.Duration // the window's default
	Frequency   time.Duration // how often the rule looks
}

// Heartbeats returns the heartbeat of every timer function of src.
func Heartbeats(src Source) ([]Heartbeat, error) {
	var out []Heartbeat
	for _, d := range src.Functions {
		if d.Trigger.Type != "timerTrigger" {
			continue
		}
		name := strings.Trim(d.Trigger.Schedule, "%")
		spec, ok := catalogSpec(src.Settings, name)
		if !ok {
			return nil, fmt.Errorf("%s: its schedule setting %s is not in the catalog", d.Name, name)
		}
		gap, err := LongestGap(spec.Default)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", d.Name, name, err)
		}
		window := HeartbeatWindow(gap)
		out = append(out, Heartbeat{
			Function: d.Name, Schedule: spec, Window: window, Frequency: heartbeatFrequency(window),
			WindowParam: strings.TrimSuffix(ParamName(spec), "Schedule") + "HeartbeatWindow",
		})
	}
	return out, nil
}

func catalogSpec(specs []settings.Spec, name string) (settings.Spec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return settings.Spec{}, false
}

// LongestGap is the longest time between two firings of a schedule over a
// year from the start of 2026, or over its first 3,000 firings when those
// come sooner (a month of a quarter-hourly schedule: enough to see its
// weekends).
func LongestGap(expr string) (time.Duration, error) {
	s, err := schedule.Parse(expr)
	if err != nil {
		return 0, err
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prev, ok := s.Next(start)
	if !ok {
		return 0, fmt.Errorf("schedule %q never fires", expr)
	}
	var gap time.Duration
	for n := 0; prev.Before(start.AddDate(1, 0, 0)) && n < 3000; n++ {
		next, ok := s.Next(prev)
		if !ok {
			break
		}
		gap = max(gap, next.Sub(prev))
		prev = next
	}
	return gap, nil
}

// HeartbeatWindow is about two intervals of a schedule whose longest gap is
// gap: two gaps and a quarter of one more (rounded up to five minutes), at
// most a log alert's longest look-back.
func HeartbeatWindow(gap time.Duration) time.Duration {
	slack := (gap/4 + 5*time.Minute - 1) / (5 * time.Minute) * (5 * time.Minute)
	return min(2*gap+slack, MaxLogAlertWindow)
}

// heartbeatFrequency is how often a heartbeat rule looks: at least twice
// per window.
func heartbeatFrequency(window time.Duration) time.Duration {
	switch {
	case window >= 6*time.Hour:
		return time.Hour
	case window >= 30*time.Minute:
		return 15 * time.Minute
	}
	return 5 * time.Minute
}

// iso8601 writes d (whole minutes) as ISO 8601: P2D, PT2H15M, PT35M.
func iso8601(d time.Duration) string {
	days, rest := d/(24*time.Hour), d%(24*time.Hour)
	out := "P"
	if days > 0 {
		out += fmt.Sprintf("%dD", days)
	}
	if rest == 0 {
		return out
	}
	out += "T"
	if h := rest / time.Hour; h > 0 {
		out += fmt.Sprintf("%dH", h)
	}
	if m := rest % time.Hour / time.Minute; m > 0 {
		out += fmt.Sprintf("%dM", m)
	}
	return out
}

// heartbeatParams writes one window parameter per timer function.
func heartbeatParams(src Source) (string, error) {
	beats, err := Heartbeats(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, h := range beats {
		if i > 0 {
			b.WriteString("\n")
		}
		desc := fmt.Sprintf("%s heartbeat window: no successful run for this long raises an alert. ISO 8601, about two intervals of %s; log alerts look back at most P2D.",
			h.Function, ParamName(h.Schedule))
		fmt.Fprintf(&b, "@description(%s)\nparam %s string = %s\n", bicepString(desc), h.WindowParam, bicepString(iso8601(h.Window)))
	}
	return b.String(), nil
}

// alertLists writes the functions the alert rules watch: every function
// (failed invocations) and every timer function (heartbeats).
func alertLists(src Source) (string, error) {
	beats, err := Heartbeats(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("var functionNames = [\n")
	for _, d := range src.Functions {
		b.WriteString("  " + bicepString(d.Name) + "\n")
	}
	b.WriteString("]\n\nvar heartbeats = [\n")
	for _, h := range beats {
		fmt.Fprintf(&b, "  {\n    function: %s\n    schedule: %s\n    window: %s\n    frequency: %s\n  }\n",
			bicepString(h.Function), ParamName(h.Schedule), h.WindowParam, bicepString(iso8601(h.Frequency)))
	}
	b.WriteString("]\n")
	return b.String(), nil
}
