package devhost

import (
	"encoding/json"
	"time"

	"github.com/tenantops/tenantops/internal/invoke"
)

// The payloads below follow what the Functions host sends a custom handler:
// a timer's Data is a TimerInfo object; every string in Data and Metadata is
// JSON-serialized once more before the envelope is, so a queue message and
// the message id arrive doubly quoted and DequeueCount arrives as "1".

// timerInfo is Data.<binding> of a timer trigger.
type timerInfo struct {
	Schedule       timerSchedule   `json:"Schedule"`
	ScheduleStatus *scheduleStatus `json:"ScheduleStatus"`
	IsPastDue      bool            `json:"IsPastDue"`
}

type timerSchedule struct {
	AdjustForDST bool `json:"AdjustForDST"`
}

type scheduleStatus struct {
	Last        string `json:"Last"`
	Next        string `json:"Next"`
	LastUpdated string `json:"LastUpdated"`
}

// sysData is Metadata.sys.
type sysData struct {
	MethodName string `json:"MethodName"`
	UtcNow     string `json:"UtcNow"`
	RandGuid   string `json:"RandGuid"`
}

// envelope is the invocation request body.
type envelope struct {
	Data     map[string]any `json:"Data"`
	Metadata map[string]any `json:"Metadata"`
}

// timerPayload builds the body of a timer invocation. status is nil when
// the binding does not use the schedule monitor.
func timerPayload(tr trigger, now time.Time, status *scheduleStatus) envelope {
	return envelope{
		Data:     map[string]any{tr.Name: timerInfo{Schedule: timerSchedule{AdjustForDST: true}, ScheduleStatus: status}},
		Metadata: map[string]any{"sys": newSys(tr.Function, now)},
	}
}

// queueDelivery is one dequeued message, decoded.
type queueDelivery struct {
	ID              string
	PopReceipt      string
	Text            string // the message content after base64 decoding
	DequeueCount    int64
	InsertionTime   time.Time
	ExpirationTime  time.Time
	NextVisibleTime time.Time
}

// queuePayload builds the body of a queue invocation.
func queuePayload(tr trigger, m queueDelivery, now time.Time) envelope {
	return envelope{
		Data: map[string]any{tr.Name: serializeAgain(m.Text)},
		Metadata: map[string]any{
			"DequeueCount":    serializeAgain(m.DequeueCount),
			"ExpirationTime":  iso(m.ExpirationTime),
			"Id":              serializeAgain(m.ID),
			"InsertionTime":   iso(m.InsertionTime),
			"NextVisibleTime": iso(m.NextVisibleTime),
			"PopReceipt":      serializeAgain(m.PopReceipt),
			"sys":             newSys(tr.Function, now),
		},
	}
}

// serializeAgain does what the host does to a value that is not an object:
// it becomes its JSON text, which the envelope then carries as a string.
func serializeAgain(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// iso writes a time the way the host's serializer writes a DateTimeOffset.
func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.9999999+00:00") }

func newSys(function string, now time.Time) sysData {
	return sysData{MethodName: function, UtcNow: now.UTC().Format(time.RFC3339Nano), RandGuid: invoke.NewID()}
}
