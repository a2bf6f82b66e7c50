// Command benchtable reads `go test -bench` output on stdin, passes it
// through, and ends it with one table of every figure the benchmarks
// reported beside its goal. It exits non-zero when a test or benchmark
// failed.
//
// A benchmark states a goal for one of its figures by reporting it as a
// figure of its own named max:<unit> or min:<unit>:
//
//	b.ReportMetric(peak, "peak-MiB")
//	b.ReportMetric(64, "max:peak-MiB") // the goal: at most 64
//
// Go's own ns/op, B/op, allocs/op and MB/s are left out of the table.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	results, failed, err := collect(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	fmt.Println()
	writeTable(os.Stdout, results)
	if failed {
		fmt.Fprintln(os.Stderr, "benchtable: a test or benchmark failed (see FAIL above)")
		os.Exit(1)
	}
}

// figure is one reported value of one benchmark, with its goal if stated.
type figure struct {
	Package, Benchmark, Unit string
	Value                    float64
	Goal                     string // "≤ 64", "≥ 20", or "" for none
	Met                      bool   // the value meets Goal
}

// goal is a bound a benchmark stated for one of its units.
type goal struct {
	max   bool
	bound float64
}

// collect copies in to out and returns every custom figure, and whether
// any test or benchmark failed.
func collect(in io.Reader, out io.Writer) ([]figure, bool, error) {
	var figures []figure
	failed := false
	pkg := ""
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		fmt.Fprintln(out, line)
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: ")
		case strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL"):
			failed = true
		case strings.HasPrefix(line, "Benchmark"):
			figures = append(figures, parseLine(pkg, line)...)
		}
	}
	return figures, failed, scanner.Err()
}

// standardUnits are the figures the testing package reports itself.
var standardUnits = map[string]bool{"ns/op": true, "B/op": true, "allocs/op": true, "MB/s": true}

// parseLine reads "BenchmarkX-8  1  123 ns/op  4.5 peak-MiB  64 max:peak-MiB".
func parseLine(pkg, line string) []figure {
	fields := strings.Fields(line)
	if len(fields) < 4 {
		return nil
	}
	name := fields[0]
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i] // the GOMAXPROCS suffix
		}
	}
	goals := map[string]goal{}
	var figures []figure
	for i := 2; i+1 < len(fields); i += 2 {
		value, err := strconv.ParseFloat(fields[i], 64)
		unit := fields[i+1]
		switch {
		case err != nil || standardUnits[unit]:
		case strings.HasPrefix(unit, "max:"):
			goals[strings.TrimPrefix(unit, "max:")] = goal{max: true, bound: value}
		case strings.HasPrefix(unit, "min:"):
			goals[strings.TrimPrefix(unit, "min:")] = goal{bound: value}
		default:
			figures = append(figures, figure{Package: shortPackage(pkg), Benchmark: name, Unit: unit, Value: value})
		}
	}
	for i, f := range figures {
		g, ok := goals[f.Unit]
		if !ok {
			continue
		}
		if g.max {
			figures[i].Goal, figures[i].Met = "≤ "+number(g.bound), f.Value <= g.bound
		} else {
			figures[i].Goal, figures[i].Met = "≥ "+number(g.bound), f.Value >= g.bound
		}
	}
	return figures
}

// shortPackage drops the module path.
func shortPackage(pkg string) string {
	return strings.TrimPrefix(pkg, "github.com/tenantops/tenantops/")
}

func number(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// writeTable prints the summary: one row per figure, and a last line
// counting the goals met.
func writeTable(w io.Writer, figures []figure) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "package\tbenchmark\tfigure\tvalue\tgoal\tverdict")
	goals, met := 0, 0
	for _, f := range figures {
		verdict := ""
		if f.Goal != "" {
			goals++
			verdict = "MISSED"
			if f.Met {
				met, verdict = met+1, "met"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Package, f.Benchmark, f.Unit, number(f.Value), f.Goal, verdict)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d figures; %d of %d goals met\n", len(figures), met, goals)
}
