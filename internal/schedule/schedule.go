// Package schedule parses the Functions timer trigger's schedules (NCRONTAB
// expressions and TimeSpan intervals) and computes when they next fire.
package schedule

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed timer schedule, in the forms the Functions timer
// trigger takes: an NCRONTAB expression of six fields (second minute hour day
// month day-of-week) or five (no seconds: they are 0), or a TimeSpan
// ("00:05:00", "1.00:00:00") that fires at that interval. Each cron field
// takes *, a value, a range (1-5), a step (*/15, 10-40/10, 5/20), a list of
// those (1,15,30-33), and English names for months (JAN-DEC, January) and
// days (SUN-SAT, Sunday). Day of month and day of week must both match, as in
// NCrontab.
type Schedule struct {
	fields [6]uint64     // bit n set: value n allowed
	every  time.Duration // a TimeSpan schedule's interval; fields unused
}

// field describes one column of an expression.
type field struct {
	name     string
	min, max int
	names    []string // names[i] (or any longer English name it begins) stands for min+i
}

var scheduleFields = [6]field{
	{name: "second", min: 0, max: 59},
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 0, max: 6, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

const (
	secondField = iota
	minuteField
	hourField
	dayField
	monthField
	weekdayField
)

// Parse parses a timer schedule: a six- or five-field NCRONTAB
// expression, or a TimeSpan interval.
func Parse(expr string) (Schedule, error) {
	parts := strings.Fields(expr)
	if len(parts) == 1 && strings.Contains(parts[0], ":") {
		d, err := ParseTimeSpan(parts[0])
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %w", expr, err)
		}
		if d < time.Second {
			return Schedule{}, fmt.Errorf("schedule %q: an interval shorter than a second", expr)
		}
		return Schedule{every: d}, nil
	}
	if len(parts) == 5 { // the host reads five fields as minute-level cron
		parts = append([]string{"0"}, parts...)
	}
	if len(parts) != 6 {
		return Schedule{}, fmt.Errorf("schedule %q: want six fields (second minute hour day month day-of-week), "+
			"five (no seconds), or a TimeSpan such as 00:05:00; got %d fields", expr, len(parts))
	}
	var s Schedule
	for i, part := range parts {
		bits, err := parseField(part, scheduleFields[i])
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %w", expr, err)
		}
		s.fields[i] = bits
	}
	return s, nil
}

// parseField parses one comma-separated field into a bit set.
func parseField(text string, f field) (uint64, error) {
	var bits uint64
	for _, item := range strings.Split(text, ",") {
		lo, hi, step, err := parseItem(item, f)
		if err != nil {
			return 0, err
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, nil
}

// parseItem parses one list item: *, N, N-M, each optionally /STEP.
func parseItem(item string, f field) (lo, hi, step int, err error) {
	rangePart, stepPart, hasStep := strings.Cut(item, "/")
	step = 1
	if hasStep {
		step, err = strconv.Atoi(stepPart)
		if err != nil || step < 1 {
			return 0, 0, 0, fmt.Errorf("%s: bad step %q", f.name, stepPart)
		}
	}
	switch {
	case rangePart == "*":
		return f.min, f.max, step, nil
	case strings.Contains(rangePart, "-"):
		a, b, _ := strings.Cut(rangePart, "-")
		if lo, err = f.value(a); err != nil {
			return 0, 0, 0, err
		}
		if hi, err = f.value(b); err != nil {
			return 0, 0, 0, err
		}
		if lo > hi {
			return 0, 0, 0, fmt.Errorf("%s: range %q runs backwards", f.name, rangePart)
		}
		return lo, hi, step, nil
	}
	if lo, err = f.value(rangePart); err != nil {
		return 0, 0, 0, err
	}
	if hasStep { // "5/20": from 5 to the end in steps of 20
		return lo, f.max, step, nil
	}
	return lo, lo, 1, nil
}

// value parses a number or a name within the field's bounds.
func (f field) value(text string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(text, n) || (len(text) > 3 && strings.EqualFold(text, englishNames[n])) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", f.name, text)
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("%s: %d is outside %d-%d", f.name, v, f.min, f.max)
	}
	return v, nil
}

// Interval returns a TimeSpan schedule's interval, and false for an
// NCRONTAB expression. The Functions host takes a TimeSpan only on an App
// Service (Dedicated) plan, not on Consumption or Flex Consumption.
func (s Schedule) Interval() (time.Duration, bool) { return s.every, s.every > 0 }

func (s Schedule) has(field, v int) bool { return s.fields[field]&(1<<uint(v)) != 0 }

// searchYears bounds Next: a schedule that matches nothing within this span
// (such as 30 February) never fires.
const searchYears = 5

// englishNames spells out the abbreviated month and day names.
var englishNames = map[string]string{
	"JAN": "January", "FEB": "February", "MAR": "March", "APR": "April", "MAY": "May", "JUN": "June",
	"JUL": "July", "AUG": "August", "SEP": "September", "OCT": "October", "NOV": "November", "DEC": "December",
	"SUN": "Sunday", "MON": "Monday", "TUE": "Tuesday", "WED": "Wednesday", "THU": "Thursday", "FRI": "Friday", "SAT": "Saturday",
}

// Next returns the first time after t, in t's location and to the second,
// that the schedule matches, and false when there is none. A TimeSpan
// schedule fires one interval after t.
func (s Schedule) Next(t time.Time) (time.Time, bool) {
	if s.every > 0 {
		return t.Add(s.every), true
	}
	t = t.Truncate(time.Second).Add(time.Second)
	limit := t.AddDate(searchYears, 0, 0)
	for t.Before(limit) {
		y, mo, d := t.Date()
		loc := t.Location()
		switch {
		case !s.has(monthField, int(mo)):
			t = later(t, time.Date(y, mo+1, 1, 0, 0, 0, 0, loc))
		case !s.has(dayField, d) || !s.has(weekdayField, int(t.Weekday())):
			t = later(t, time.Date(y, mo, d+1, 0, 0, 0, 0, loc))
		case !s.has(hourField, t.Hour()):
			t = later(t, time.Date(y, mo, d, t.Hour()+1, 0, 0, 0, loc))
		case !s.has(minuteField, t.Minute()):
			t = later(t, time.Date(y, mo, d, t.Hour(), t.Minute()+1, 0, 0, loc))
		case !s.has(secondField, t.Second()):
			t = t.Add(time.Second)
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

// later returns next, or one second after t when a daylight-saving shift
// made next fall at or before t, so the search always moves forward.
func later(t, next time.Time) time.Time {
	if next.After(t) {
		return next
	}
	return t.Add(time.Second)
}

// timeSpan matches .NET TimeSpan text as host.json, app settings and timer
// schedules use it: [d.]hh:mm[:ss[.fffffff]].
var timeSpan = regexp.MustCompile(`^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$`)

// ParseTimeSpan reads a .NET TimeSpan ("00:02:00", "1.02:00:00", "00:00:00.5").
func ParseTimeSpan(text string) (time.Duration, error) {
	m := timeSpan.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return 0, fmt.Errorf("%q is not a time span ([d.]hh:mm[:ss[.fffffff]])", text)
	}
	var total time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		n, _ := strconv.Atoi(m[i+1]) // "" for an absent part reads as 0
		total += time.Duration(n) * unit
	}
	if m[5] != "" {
		ticks, _ := strconv.Atoi((m[5] + "000000")[:7]) // 100 ns ticks
		total += time.Duration(ticks) * 100
	}
	return total, nil
}
