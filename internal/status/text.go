package status

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tenantops/tenantops/internal/function"
)

// WriteText writes the report as a table, one row per function, with its
// state below it and the problems at the end. Every text that comes from a
// record or a function's state goes through Printable.
func WriteText(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tLAST RUN (UTC)\tOUTCOME\tAGE\tSCHEDULE\tFIGURES")
	for _, f := range r.Functions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", Printable(f.Name), lastRun(f), Printable(outcome(f)), age(f, r.Generated),
			Printable(scheduleText(f)), Printable(FormatFigures(figures(f))))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writeState(w, r); err != nil {
		return err
	}
	bad := r.Bad()
	if bad == 0 {
		_, err := fmt.Fprintln(w, "\nall functions ran on schedule; nothing needs attention")
		return err
	}
	fmt.Fprintf(w, "\n%d function(s) need attention:\n", bad)
	for _, f := range r.Functions {
		for _, p := range f.Problems {
			fmt.Fprintf(w, "  %s: %s\n", Printable(f.Name), Printable(p))
		}
	}
	return nil
}

// writeState lists the state each function reports, one line per item.
func writeState(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := false
	for _, f := range r.Functions {
		for _, item := range f.State {
			if !header {
				fmt.Fprintln(tw, "\nSTATE\t\t\t")
				header = true
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", Printable(f.Name), Printable(item.Name), Printable(stateValue(item)), Printable(item.Note))
		}
	}
	return tw.Flush()
}

// WriteJSON writes the report as one indented JSON document.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func lastRun(f Function) string {
	if f.Last == nil {
		return "never"
	}
	return f.Last.Start.UTC().Format("2006-01-02 15:04")
}

func outcome(f Function) string {
	if f.Last == nil {
		return "-"
	}
	if f.Failing {
		return "FAILED"
	}
	return f.Last.Outcome
}

func age(f Function, now time.Time) string {
	switch {
	case f.Last == nil:
		return "-"
	case f.Last.Start.After(now):
		return "FUTURE"
	}
	return Age(now.Sub(f.Last.Start))
}

func scheduleText(f Function) string {
	switch {
	case f.Trigger != "timer":
		return "queue"
	case f.Overdue:
		return "OVERDUE (" + f.Schedule + ")"
	}
	return f.Schedule
}

func figures(f Function) map[string]any {
	if f.Last == nil {
		return nil
	}
	return f.Last.Figures
}

// FormatFigures writes figures as name=value pairs in name order.
func FormatFigures(figs map[string]any) string {
	names := make([]string, 0, len(figs))
	for name := range figs {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name + "=" + formatValue(figs[name])
	}
	return strings.Join(parts, " ")
}

func stateValue(item function.StatusItem) string {
	text := fmt.Sprintf("%g %s", item.Value, item.Unit)
	if item.Bad {
		text += " (!)"
	}
	return text
}

// formatValue prints a whole number without an exponent (figures come back
// from JSON as float64: 49545216, not 4.9545216e+07).
func formatValue(v any) string {
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(v)
}
