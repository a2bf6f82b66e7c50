package invoke

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestStringDecodesTolerantly(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"plain string", `"hello"`, "hello"},
		{"doubly encoded string", `"\"hello\""`, "hello"},
		{"doubly encoded JSON object", `"\"{\\\"v\\\":1}\""`, `{"v":1}`},
		{"singly encoded JSON object", `"{\"v\":1}"`, `{"v":1}`},
		{"object", `{"v":1}`, `{"v":1}`},
		{"array", `[1,2]`, `[1,2]`},
		{"number", `42`, "42"},
		{"number as string", `"42"`, "42"},
		{"null", `null`, ""},
		{"empty string", `""`, ""},
		{"string with quotes inside", `"say \"hi\" now"`, `say "hi" now`},
		{"whitespace around", "  \"x\"\n", "x"},
		{"not JSON at all", `abc`, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(json.RawMessage(tt.raw)); got != tt.want {
				t.Errorf("String(%s) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestMetadataIntAndDequeueCount(t *testing.T) {
	tests := []struct {
		raw    string
		want   int
		wantOK bool
	}{
		{`1`, 1, true},
		{`"1"`, 1, true},
		{`"\"1\""`, 1, true},
		{`" 5 "`, 5, true},
		{`"one"`, 0, false},
		{`null`, 0, false},
	}
	for _, tt := range tests {
		req := Request{Metadata: map[string]json.RawMessage{"DequeueCount": json.RawMessage(tt.raw)}}
		got, ok := req.MetadataInt("DequeueCount")
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("MetadataInt(%s) = %d, %v; want %d, %v", tt.raw, got, ok, tt.want, tt.wantOK)
		}
		if req.DequeueCount() != tt.want {
			t.Errorf("DequeueCount(%s) = %d, want %d", tt.raw, req.DequeueCount(), tt.want)
		}
	}
	if n := (Request{}).DequeueCount(); n != 0 {
		t.Errorf("DequeueCount without metadata = %d", n)
	}
}

func TestDecodeHostEnvelope(t *testing.T) {
	body := `{"Data":{"message":"\"{\\\"v\\\":1,\\\"itemId\\\":42}\""},` +
		`"Metadata":{"DequeueCount":"2","Id":"\"800ae4b3-bdd2-4c08-badd-f08e5a34b865\"","PopReceipt":"\"AgAAAAMAAAAAAAAAAgtnj8x+1QE=\"",` +
		`"InsertionTime":"2026-11-25T08:00:00+00:00","sys":{"MethodName":"SharePointCleanup","UtcNow":"2026-11-25T08:00:01Z","RandGuid":"24ad4c06-24ad-4e5b-8294-3da9714877e9"}}}`
	req, err := Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if msg, ok := req.DataString("message"); !ok || msg != `{"v":1,"itemId":42}` {
		t.Errorf("message = %q, %v", msg, ok)
	}
	if _, ok := req.DataString("absent"); ok {
		t.Error("DataString(absent) reported ok")
	}
	checks := map[string]string{
		"Id":            "800ae4b3-bdd2-4c08-badd-f08e5a34b865",
		"PopReceipt":    "AgAAAAMAAAAAAAAAAgtnj8x+1QE=",
		"InsertionTime": "2026-11-25T08:00:00+00:00",
		"absent":        "",
	}
	for key, want := range checks {
		if got := req.MetadataString(key); got != want {
			t.Errorf("MetadataString(%s) = %q, want %q", key, got, want)
		}
	}
	if req.DequeueCount() != 2 {
		t.Errorf("DequeueCount = %d, want 2", req.DequeueCount())
	}
	if !strings.Contains(req.MetadataString("sys"), `"MethodName":"SharePointCleanup"`) {
		t.Errorf("sys = %s", req.MetadataString("sys"))
	}
}

func TestDecodeEdges(t *testing.T) {
	for _, body := range []string{"", "  \n"} {
		req, err := Decode([]byte(body))
		if err != nil || req.Data != nil {
			t.Errorf("Decode(%q) = %+v, %v; want an empty request", body, req, err)
		}
	}
	bom, err := Decode([]byte("\xef\xbb\xbf" + `{"Data":{"message":"hi"}}`))
	if msg, _ := bom.DataString("message"); err != nil || msg != "hi" {
		t.Errorf("Decode with a byte order mark = %+v, %v", bom, err)
	}
	for _, body := range []string{`{"Data":`, `[1,2]`, `"text"`} {
		if _, err := Decode([]byte(body)); err == nil {
			t.Errorf("Decode(%q) succeeded", body)
		}
	}
}

func TestResponseIsAlwaysAFullObject(t *testing.T) {
	tests := []struct {
		name string
		resp Response
		want string
	}{
		{"zero", Response{}, `{"Outputs":{},"Logs":[],"ReturnValue":null}`},
		{"filled", Response{Outputs: map[string]any{"out": []int{1}}, Logs: []string{"a"}, ReturnValue: "r"},
			`{"Outputs":{"out":[1]},"Logs":["a"],"ReturnValue":"r"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.resp)
		if err != nil || string(b) != tt.want {
			t.Errorf("%s: %s, %v; want %s", tt.name, b, err, tt.want)
		}
	}
}

func TestTimer(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		pastDue   bool
		hasStatus bool
		last      time.Time
		next      time.Time
	}{
		{"monitored", `{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"2026-11-24T23:30:00.0000000+00:00","Next":"2026-11-25T23:30:00+00:00","LastUpdated":"2026-11-24T23:30:00.5+00:00"},"IsPastDue":false}`,
			false, true, time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC), time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC)},
		{"first run", `{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"0001-01-01T00:00:00","Next":"2026-11-25T23:30:00","LastUpdated":"0001-01-01T00:00:00"},"IsPastDue":true}`,
			true, true, time.Time{}, time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC)},
		{"no monitor", `{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}`, false, false, time.Time{}, time.Time{}},
		{"as a string", `"{\"Schedule\":{},\"ScheduleStatus\":null,\"IsPastDue\":true}"`, true, false, time.Time{}, time.Time{}},
		{"past due, camel-cased keys", `{"schedule":{"adjustForDST":true},"scheduleStatus":{"last":"2026-11-24T23:30:00Z","next":"2026-11-25T23:30:00Z","lastUpdated":"2026-11-24T23:30:00Z"},"isPastDue":true}`,
			true, true, time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC), time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC)},
		{"IsPastDue as a string", `{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":"True"}`, true, false, time.Time{}, time.Time{}},
		{"IsPastDue missing", `{"Schedule":{"AdjustForDST":true}}`, false, false, time.Time{}, time.Time{}},
		{"empty object", `{}`, false, false, time.Time{}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Data: map[string]json.RawMessage{"timer": json.RawMessage(tt.raw)}}
			info, err := req.Timer("timer")
			if err != nil {
				t.Fatal(err)
			}
			if info.IsPastDue != tt.pastDue || (info.Status != nil) != tt.hasStatus {
				t.Fatalf("got %+v", info)
			}
			if info.Status != nil && (!info.Status.Last.Equal(tt.last) || !info.Status.Next.Equal(tt.next)) {
				t.Errorf("status %+v, want last %s next %s", info.Status, tt.last, tt.next)
			}
		})
	}
	if _, err := (Request{}).Timer("timer"); err == nil {
		t.Error("Timer without Data succeeded")
	}
	bad := Request{Data: map[string]json.RawMessage{"timer": json.RawMessage(`[1]`)}}
	if _, err := bad.Timer("timer"); err == nil {
		t.Error("Timer of an array succeeded")
	}
	bad = Request{Data: map[string]json.RawMessage{"timer": json.RawMessage(`{"IsPastDue":"later"}`)}}
	if _, err := bad.Timer("timer"); err == nil {
		t.Error("Timer with IsPastDue \"later\" succeeded")
	}
	differentCase := Request{Data: map[string]json.RawMessage{"Timer": json.RawMessage(`{"IsPastDue":true}`)}}
	if info, err := differentCase.Timer("timer"); err != nil || !info.IsPastDue {
		t.Errorf("Timer(timer) of Data.Timer = %+v, %v", info, err)
	}
}

// The host's keys are case-insensitive to it: a binding named "message" may
// arrive as "Message", DequeueCount as "dequeueCount".
func TestLookupIgnoresCase(t *testing.T) {
	tests := []struct {
		name, body, binding string
		wantMsg, wantID     string
		wantCount           int
	}{
		{"as documented", `{"Data":{"message":"hi"},"Metadata":{"DequeueCount":1,"Id":"a"}}`, "message", "hi", "a", 1},
		{"camel-cased metadata", `{"Data":{"message":"hi"},"Metadata":{"dequeueCount":"2","id":"\"b\""}}`, "message", "hi", "b", 2},
		{"lower-cased envelope", `{"data":{"Message":"hi"},"metadata":{"DEQUEUECOUNT":3}}`, "message", "hi", "", 3},
		{"no Metadata", `{"Data":{"message":{"v":1}}}`, "message", `{"v":1}`, "", 0},
		{"null Metadata", `{"Data":{"message":"hi"},"Metadata":null}`, "message", "hi", "", 0},
		{"exact key wins", `{"Data":{"message":"exact","MESSAGE":"other"}}`, "message", "exact", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if msg, ok := req.DataString(tt.binding); !ok || msg != tt.wantMsg {
				t.Errorf("DataString = %q, %v; want %q", msg, ok, tt.wantMsg)
			}
			if id := req.MetadataString("Id"); id != tt.wantID {
				t.Errorf("Id = %q, want %q", id, tt.wantID)
			}
			if n := req.DequeueCount(); n != tt.wantCount {
				t.Errorf("DequeueCount = %d, want %d", n, tt.wantCount)
			}
		})
	}
}

func TestNewIDIsAVersion4GUID(t *testing.T) {
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := NewID()
		if !guid.MatchString(id) {
			t.Fatalf("NewID() = %q, not a version 4 GUID", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}
