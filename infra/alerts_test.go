package infra

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions"
)

// The alert rules: main.bicep's alert variables against the functions the code
// declares, the queries in queries/*.kql against the operator's guide, and every
// resource against Azure's published type definitions.

// alertObjects returns the objects of one of main.bicep's alert array variables.
func alertObjects(t *testing.T, tmpl template, name string) []map[string]string {
	t.Helper()
	expr := variable(tmpl.Code, name)
	if expr == "" {
		t.Fatalf("main.bicep has no var %s", name)
	}
	var out []map[string]string
	for _, obj := range topLevelObjects(strings.TrimSuffix(strings.TrimPrefix(expr, "["), "]")) {
		entries := objectEntries(obj)
		for k, v := range entries {
			if lit, ok := literalValue(v); ok {
				entries[k] = lit
			}
		}
		out = append(out, entries)
	}
	return out
}

// stringItems returns the string literals of an array variable, in order.
func stringItems(t *testing.T, tmpl template, name string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(variable(tmpl.Code, name), "\n") {
		if v, ok := literalValue(strings.TrimSpace(line)); ok {
			out = append(out, v)
		}
	}
	return out
}

var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$`)

// parseISODuration reads the day/hour/minute ISO 8601 durations alert rules take.
func parseISODuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration of days, hours and minutes", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	return d, nil
}

// longestGap is the longest time between two firings of a schedule.
func longestGap(t *testing.T, expr string) time.Duration {
	t.Helper()
	gap, err := LongestGap(expr)
	if err != nil {
		t.Fatalf("schedule %q: %v", expr, err)
	}
	return gap
}

// timerSchedules maps each timer function to the name of its schedule setting.
func timerSchedules() map[string]string {
	out := map[string]string{}
	for _, d := range functions.All() {
		if d.Trigger.Type == "timerTrigger" {
			out[d.Name] = strings.Trim(d.Trigger.Schedule, "%")
		}
	}
	return out
}

func TestNoAlertRulesWithoutReceivers(t *testing.T) {
	tmpl := loadTemplate(t)
	p, ok := tmpl.Params["alertEmails"]
	if !ok || p.Type != "array" || p.DefaultRaw != "[]" {
		t.Errorf("alertEmails must be an array parameter defaulting to []: %+v", p)
	}
	if !regexp.MustCompile(`module alerts 'modules/alerts\.bicep' = if \(!empty\(alertEmails\)\)`).MatchString(tmpl.Code) {
		t.Error("the alerts module must be deployed only when alertEmails is not empty")
	}
	module := readFile(t, filepath.Join("modules", "alerts.bicep"))
	rules := strings.Count(stripComments(module), "'Microsoft.Insights/scheduledQueryRules@")
	notified := 0
	for _, list := range arrays(module, `actionGroups:\s*\[`) {
		if strings.TrimSpace(list) == "actionGroup.id" {
			notified++
		}
	}
	if rules == 0 || notified != rules {
		t.Errorf("every alert rule must notify the action group: %d rules, %d notify it", rules, notified)
	}
}

func TestOneFailureRulePerFunction(t *testing.T) {
	var want []string
	for _, d := range functions.All() {
		want = append(want, d.Name)
	}
	got := stringItems(t, loadTemplate(t), "functionNames")
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("main.bicep functionNames = %v; the code declares %v", got, want)
	}
}

func TestOneHeartbeatPerTimerFunction(t *testing.T) {
	tmpl := loadTemplate(t)
	timers := timerSchedules()
	seen := map[string]bool{}
	for _, beat := range alertObjects(t, tmpl, "heartbeats") {
		fn := beat["function"]
		setting, ok := timers[fn]
		if !ok {
			t.Errorf("heartbeat for %q, which is not a timer function", fn)
			continue
		}
		if seen[fn] {
			t.Errorf("two heartbeats for %s", fn)
		}
		seen[fn] = true
		checkHeartbeat(t, tmpl, fn, setting, beat)
	}
	for fn := range timers {
		if !seen[fn] {
			t.Errorf("timer function %s has no heartbeat in main.bicep", fn)
		}
	}
}

// checkHeartbeat holds one heartbeat to its schedule: bound to the schedule's
// parameter, a window of about two intervals (capped at a log alert's longest
// look-back), and checked at least twice per window.
func checkHeartbeat(t *testing.T, tmpl template, fn, setting string, beat map[string]string) {
	t.Helper()
	param, ok := tmpl.boundParam(setting)
	if !ok || beat["schedule"] != param.Name {
		t.Errorf("%s heartbeat: schedule = %q, want the %s parameter", fn, beat["schedule"], setting)
		return
	}
	windowParam, ok := tmpl.Params[beat["window"]]
	if !ok || !windowParam.Literal {
		t.Errorf("%s heartbeat: window %q must be a parameter with a literal default", fn, beat["window"])
		return
	}
	window, err := parseISODuration(windowParam.Default)
	if err != nil {
		t.Errorf("%s heartbeat: %v", fn, err)
		return
	}
	frequency, err := parseISODuration(beat["frequency"])
	if err != nil {
		t.Errorf("%s heartbeat: %v", fn, err)
		return
	}
	gap := longestGap(t, param.Default)
	low, high := min(2*gap, MaxLogAlertWindow), min(max(5*gap/2, 2*gap+5*time.Minute), MaxLogAlertWindow)
	if window < low || window > high {
		t.Errorf("%s heartbeat: window %s for schedule %q (longest gap %s); want %s to %s",
			fn, window, param.Default, gap, low, high)
	}
	if frequency > window/2 {
		t.Errorf("%s heartbeat: checked every %s, more than half its %s window", fn, frequency, window)
	}
}

func TestFigureLimitsNameFiguresTheFunctionsRecord(t *testing.T) {
	names := map[string]bool{}
	for _, d := range functions.All() {
		names[d.Name] = true
	}
	for _, limit := range alertObjects(t, loadTemplate(t), "figureLimits") {
		fn, figure := limit["function"], limit["figure"]
		if !names[fn] {
			t.Errorf("figure limit on %s, which the code does not declare", fn)
			continue
		}
		if !recordsFigure(t, figure) {
			t.Errorf("figure limit on %s.%s: no function code records that figure (inv.Figure(%q, ...))", fn, figure, figure)
		}
	}
}

// recordsFigure reports whether non-test code under functions/ names the
// figure (inv.Figure("name", ...) or a helper that passes the name on).
func recordsFigure(t *testing.T, figure string) bool {
	t.Helper()
	call := `"` + figure + `"`
	found := false
	err := filepath.WalkDir(filepath.Join("..", "functions"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		found = found || strings.Contains(readFile(t, path), call)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// alertQueries returns every query the alert rules run, filled in the way
// modules/alerts.bicep fills them in, by rule title.
func alertQueries(t *testing.T) map[string]string {
	t.Helper()
	tmpl := loadTemplate(t)
	failures := readFile(t, filepath.Join("queries", "failures.kql"))
	heartbeat := readFile(t, filepath.Join("queries", "heartbeat.kql"))
	figure := readFile(t, filepath.Join("queries", "figure.kql"))
	out := map[string]string{}
	for _, fn := range stringItems(t, tmpl, "functionNames") {
		out[fn+" failed"] = strings.ReplaceAll(failures, "{function}", fn)
	}
	for _, beat := range alertObjects(t, tmpl, "heartbeats") {
		out[beat["function"]+" heartbeat"] = strings.ReplaceAll(heartbeat, "{function}", beat["function"])
	}
	for _, limit := range alertObjects(t, tmpl, "figureLimits") {
		q := strings.ReplaceAll(figure, "{function}", limit["function"])
		out[limit["function"]+" "+limit["figure"]] = strings.ReplaceAll(q, "{figure}", limit["figure"])
	}
	return out
}

func TestOperatorsGuideHasEveryAlertQuery(t *testing.T) {
	guide := readFile(t, filepath.Join("..", "docs", "operations.md"))
	for title, query := range alertQueries(t) {
		if !strings.Contains(guide, strings.TrimSpace(query)) {
			t.Errorf("docs/operations.md lacks the %s query, ready to paste:\n%s", title, query)
		}
	}
}

func TestAlertQueriesReadWhatTheHostAndHandlerWrite(t *testing.T) {
	for title, query := range alertQueries(t) {
		if strings.ContainsAny(query, "{}") && !strings.Contains(query, `@'(\{.*\})'`) {
			t.Errorf("%s: a placeholder is left unfilled:\n%s", title, query)
		}
		table := strings.Fields(query)[0]
		if table != "requests" && table != "traces" {
			t.Errorf("%s: reads %s; the host writes requests, the handler's summary lines are traces", title, table)
		}
	}
}
