package invoke

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimerInfo is a timer trigger's Data value.
type TimerInfo struct {
	// AdjustForDST is Schedule.AdjustForDST.
	AdjustForDST bool
	// Status is ScheduleStatus: nil when the binding does not use the
	// schedule monitor.
	Status *ScheduleStatus
	// IsPastDue is set when the invocation runs later than scheduled.
	IsPastDue bool
}

// ScheduleStatus is what the host's schedule monitor recorded. A time the
// host wrote as .NET's zero date is the zero time.
type ScheduleStatus struct {
	Last, Next, LastUpdated time.Time
}

// rawTimerInfo mirrors the host's TimerInfo JSON.
type rawTimerInfo struct {
	Schedule struct {
		AdjustForDST bool `json:"AdjustForDST"`
	} `json:"Schedule"`
	ScheduleStatus *struct {
		Last        string `json:"Last"`
		Next        string `json:"Next"`
		LastUpdated string `json:"LastUpdated"`
	} `json:"ScheduleStatus"`
	IsPastDue json.RawMessage `json:"IsPastDue"`
}

// Timer decodes Data[name] as a timer trigger's TimerInfo. The object may
// also arrive as a JSON string that holds it, and IsPastDue as "true".
func (r Request) Timer(name string) (TimerInfo, error) {
	raw, ok := Lookup(r.Data, name)
	if !ok {
		return TimerInfo{}, fmt.Errorf("invoke: no %q in Data", name)
	}
	var in rawTimerInfo
	if err := json.Unmarshal([]byte(String(raw)), &in); err != nil {
		return TimerInfo{}, fmt.Errorf("invoke: Data.%s is not a timer object: %w", name, err)
	}
	pastDue, err := strconv.ParseBool(strings.TrimSpace(String(in.IsPastDue)))
	if err != nil && len(in.IsPastDue) > 0 && String(in.IsPastDue) != "" {
		return TimerInfo{}, fmt.Errorf("invoke: Data.%s.IsPastDue is not true or false: %s", name, in.IsPastDue)
	}
	info := TimerInfo{AdjustForDST: in.Schedule.AdjustForDST, IsPastDue: pastDue}
	if s := in.ScheduleStatus; s != nil {
		info.Status = &ScheduleStatus{Last: ParseTime(s.Last), Next: ParseTime(s.Next), LastUpdated: ParseTime(s.LastUpdated)}
	}
	return info, nil
}

// hostTimeLayouts are the ways the host writes a DateTime or DateTimeOffset.
var hostTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05"}

// ParseTime reads a time the host wrote, with or without an offset (no
// offset is read as UTC). It returns the zero time for an empty or
// unreadable value and for .NET's zero date.
func ParseTime(text string) time.Time {
	text = strings.TrimSpace(text)
	for _, layout := range hostTimeLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			if t.Year() <= 1 {
				return time.Time{}
			}
			return t
		}
	}
	return time.Time{}
}
