package devhost

import (
	"encoding/json"
	"testing"
	"time"
)

// The payload tests pin the wire shapes the host uses (see the package doc).

func TestTimerPayloadShape(t *testing.T) {
	tr := trigger{Function: "MimConfigBackup", Name: "timer", Type: "timerTrigger"}
	now := time.Date(2026, 11, 25, 23, 30, 0, 500, time.UTC)
	status := &scheduleStatus{Last: "2026-11-24T23:30:00Z", Next: "2026-11-26T23:30:00Z", LastUpdated: "2026-11-25T23:30:00Z"}
	got := roundTrip(t, timerPayload(tr, now, status))
	want := `{"Data":{"timer":{"IsPastDue":false,"Schedule":{"AdjustForDST":true},` +
		`"ScheduleStatus":{"Last":"2026-11-24T23:30:00Z","LastUpdated":"2026-11-25T23:30:00Z","Next":"2026-11-26T23:30:00Z"}}},` +
		`"Metadata":{"sys":{"MethodName":"MimConfigBackup","RandGuid":"*","UtcNow":"2026-11-25T23:30:00.0000005Z"}}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	unmonitored := roundTrip(t, timerPayload(tr, now, nil))
	if want := `{"Data":{"timer":{"IsPastDue":false,"Schedule":{"AdjustForDST":true},"ScheduleStatus":null}},` +
		`"Metadata":{"sys":{"MethodName":"MimConfigBackup","RandGuid":"*","UtcNow":"2026-11-25T23:30:00.0000005Z"}}}`; unmonitored != want {
		t.Errorf("without the monitor: got %s\nwant %s", unmonitored, want)
	}
}

func TestQueuePayloadIsDoublyEncoded(t *testing.T) {
	tr := trigger{Function: "SharePointCleanup", Name: "message", Type: "queueTrigger"}
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	d := queueDelivery{ID: "800ae4b3", PopReceipt: "AgAAAA==", Text: `{"v":1}`, DequeueCount: 2,
		InsertionTime: at, ExpirationTime: at.Add(7 * 24 * time.Hour), NextVisibleTime: at.Add(10 * time.Minute)}
	got := roundTrip(t, queuePayload(tr, d, at))
	want := `{"Data":{"message":"\"{\\\"v\\\":1}\""},"Metadata":{"DequeueCount":"2","ExpirationTime":"2026-12-02T08:00:00+00:00",` +
		`"Id":"\"800ae4b3\"","InsertionTime":"2026-11-25T08:00:00+00:00","NextVisibleTime":"2026-11-25T08:10:00+00:00",` +
		`"PopReceipt":"\"AgAAAA==\"","sys":{"MethodName":"SharePointCleanup","RandGuid":"*","UtcNow":"2026-11-25T08:00:00Z"}}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// roundTrip encodes an envelope and returns it with sorted keys and the
// random GUID masked.
func roundTrip(t *testing.T, e envelope) string {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	generic["Metadata"].(map[string]any)["sys"].(map[string]any)["RandGuid"] = "*"
	out, _ := json.Marshal(generic)
	return string(out)
}
