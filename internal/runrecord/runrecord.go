// Package runrecord keeps what each invocation leaves behind: one small JSON
// record per run, in the app's own storage account, so that `handler status`
// can say whether every function ran and how it went without depending on a
// log service.
//
// For each function the store keeps the latest record in
// runs/<function>/latest.json and a history of one append blob a day,
// runs/<function>/<yyyy-mm-dd>.jsonl, whose days older than Retention are
// deleted as new days begin. An append blob takes at most 50,000 appends:
// a day with more records than MaxAppends rolls over to
// runs/<function>/<yyyy-mm-dd>.1.jsonl, .2.jsonl and so on.
package runrecord

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Container is the blob container that holds the run records.
const Container = "tenantops-status"

// Retention is how long daily history blobs are kept: the 30 days the status
// report charts, and a few more.
const Retention = 35 * 24 * time.Hour

// maxErrorText bounds the error text kept in a record.
const maxErrorText = 1024

// Outcomes of a run.
const (
	Succeeded = "succeeded"
	Failed    = "failed"
)

// Record is one invocation's outcome and key figures.
type Record struct {
	Function     string         `json:"function"`
	InvocationID string         `json:"invocationId"`
	Start        time.Time      `json:"start"`
	Seconds      float64        `json:"seconds"`
	Outcome      string         `json:"outcome"`
	Error        string         `json:"error,omitempty"`
	Figures      map[string]any `json:"figures,omitempty"`
}

// OK reports whether the run succeeded.
func (r Record) OK() bool { return r.Outcome == Succeeded }

// Figure returns a numeric figure of the record, and whether it has one.
func (r Record) Figure(name string) (float64, bool) {
	switch v := r.Figures[name].(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// New returns the record of a finished run: failed when err is non-nil, with
// the error's text (already redacted by the caller) cut to a bounded length.
func New(function, invocationID string, start time.Time, took time.Duration, figures map[string]any, err error) Record {
	r := Record{
		Function: function, InvocationID: invocationID, Start: start.UTC(),
		Seconds: took.Seconds(), Outcome: Succeeded, Figures: figures,
	}
	if err != nil {
		r.Outcome = Failed
		r.Error = truncate(err.Error(), maxErrorText)
	}
	return r
}

// truncate cuts s to at most n bytes without splitting a UTF-8 character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// latestName and dayName are the blob names of a function's records.
func latestName(function string) string { return "runs/" + function + "/latest.json" }

// dayName is the name of a day's history blob: part 0 is
// <yyyy-mm-dd>.jsonl, and the parts a busy day rolls over to are
// <yyyy-mm-dd>.<part>.jsonl.
func dayName(function string, day time.Time, part int) string {
	name := "runs/" + function + "/" + day.UTC().Format(time.DateOnly)
	if part > 0 {
		name += "." + strconv.Itoa(part)
	}
	return name + ".jsonl"
}

// dayOf reads the day and the part back from a history blob name.
func dayOf(name string) (day time.Time, part int, ok bool) {
	base, isHistory := strings.CutSuffix(name[strings.LastIndexByte(name, '/')+1:], ".jsonl")
	date, partText, hasPart := strings.Cut(base, ".")
	if hasPart {
		n, err := strconv.Atoi(partText)
		if err != nil || n < 1 || strconv.Itoa(n) != partText {
			return time.Time{}, 0, false
		}
		part = n
	}
	day, err := time.Parse(time.DateOnly, date)
	return day, part, err == nil && isHistory
}

// decodeLines reads a history blob: one record per line; a torn or foreign
// line is skipped, not fatal, so one bad write cannot hide a month.
func decodeLines(data []byte) []Record {
	var out []Record
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var r Record
		if json.Unmarshal([]byte(line), &r) == nil && r.Function != "" {
			out = append(out, r)
		}
	}
	return out
}

// encode is a record as one JSON line.
func encode(r Record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("runrecord: encode: %w", err)
	}
	return append(b, '\n'), nil
}
