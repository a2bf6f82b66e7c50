package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/logbuf"
)

// answer is what the tests read from a handler response.
type answer struct {
	Status      int
	ContentType string
	Body        map[string]json.RawMessage
	Text        string
}

func post(t *testing.T, s *served, function, body, invocationID string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/"+function, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if invocationID != "" {
		req.Header.Set("X-Azure-Functions-InvocationId", invocationID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, resp)
}

func readAnswer(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Text: string(text)}
	if err := json.Unmarshal(text, &a.Body); err != nil {
		t.Fatalf("status %d: body is not a JSON object: %v\n%s", a.Status, err, text)
	}
	return a
}

// logLine waits for the handler's JSON log line with that message and
// invocation id (the line is written before the answer, but reaches the
// test through a pipe).
func logLine(t *testing.T, s *served, msg, invocationID string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if line := findLine(s.stdout.String(), msg, invocationID); line != nil {
			return line
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q line for invocation %s in stdout:\n%s", msg, invocationID, s.stdout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitOutput waits until the process output holds want.
func waitOutput(t *testing.T, out *logbuf.Buffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func findLine(output, msg, invocationID string) map[string]any {
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		if line["msg"] == msg && line["invocation_id"] == invocationID {
			return line
		}
	}
	return nil
}

func TestTimerPayloadReachesTheFunction(t *testing.T) {
	s := serveBinary(t, nil)
	body := `{"Data":{"timer":{"Schedule":{"AdjustForDST":true},` +
		`"ScheduleStatus":{"Last":"2026-11-24T23:30:00+00:00","Next":"2026-11-25T23:30:00.0000000+00:00","LastUpdated":"2026-11-24T23:30:00.1234567+00:00"},` +
		`"IsPastDue":true}},"Metadata":{"sys":{"MethodName":"MimConfigBackup","UtcNow":"2026-11-25T23:30:00.0012Z","RandGuid":"4e773554-f6b7-4ea2-b07d-4c5fd5aba741"}}}`
	post(t, s, "MimConfigBackup", body, "11111111-2222-3333-4444-555555555555")

	line := logLine(t, s, "invocation started", "11111111-2222-3333-4444-555555555555")
	want := map[string]any{"function": "MimConfigBackup", "trigger": "timer", "past_due": true,
		"last": "2026-11-24T23:30:00Z", "next": "2026-11-25T23:30:00Z"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v (line %v)", k, line[k], v, line)
		}
	}
}

func TestQueuePayloadEncodings(t *testing.T) {
	message := `{"v":1,"siteUrl":"https://contoso.sharepoint.com/sites/ops","itemId":42}`
	once, _ := json.Marshal(message)
	twice, _ := json.Marshal(string(once))
	tests := []struct {
		name         string
		data         string // the JSON value of Data.message
		dequeueCount string // the JSON value of Metadata.DequeueCount
		id           string // the JSON value of Metadata.Id
	}{
		{"documented single encoding", string(once), `1`, `"800ae4b3-bdd2-4c08-badd-f08e5a34b865"`},
		{"host double encoding", string(twice), `"1"`, `"\"800ae4b3-bdd2-4c08-badd-f08e5a34b865\""`},
		{"count doubly quoted", string(twice), `"\"1\""`, `"\"800ae4b3-bdd2-4c08-badd-f08e5a34b865\""`},
	}
	s := serveBinary(t, nil)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
			body := fmt.Sprintf(`{"Data":{"message":%s},"Metadata":{"DequeueCount":%s,"Id":%s,"PopReceipt":"\"AgAAAAMAAAAAAAAAAgtnj8x+1QE=\"",`+
				`"InsertionTime":"2026-11-25T08:00:00+00:00","sys":{"MethodName":"SharePointCleanup","UtcNow":"2026-11-25T08:00:01Z","RandGuid":"24ad4c06-24ad-4e5b-8294-3da9714877e9"}}}`,
				tt.data, tt.dequeueCount, tt.id)
			post(t, s, "SharePointCleanup", body, id)
			line := logLine(t, s, "invocation started", id)
			if line["message"] != message {
				t.Errorf("message decoded as %q, want %q", line["message"], message)
			}
			if line["dequeue_count"] != float64(1) {
				t.Errorf("dequeue_count = %v, want 1", line["dequeue_count"])
			}
			if line["message_id"] != "800ae4b3-bdd2-4c08-badd-f08e5a34b865" {
				t.Errorf("message_id = %v", line["message_id"])
			}
		})
	}
}

// TestQueuePayloadShapes: shapes the documentation allows besides the
// host's usual one all reach the function as the same message.
func TestQueuePayloadShapes(t *testing.T) {
	message := `{"v":1,"itemId":42}`
	tests := []struct {
		name, body string
		count      float64
		id         string
	}{
		{"message as a JSON object", `{"Data":{"message":{"v":1,"itemId":42}},"Metadata":{"DequeueCount":2,"Id":"m-1"}}`, 2, "m-1"},
		{"camel-cased metadata keys", `{"Data":{"message":"{\"v\":1,\"itemId\":42}"},"Metadata":{"dequeueCount":"3","id":"\"m-2\""}}`, 3, "m-2"},
		{"binding name in another case", `{"Data":{"Message":"\"{\\\"v\\\":1,\\\"itemId\\\":42}\""},"Metadata":{"DequeueCount":"1","Id":"m-3"}}`, 1, "m-3"},
		{"no Metadata", `{"Data":{"message":"{\"v\":1,\"itemId\":42}"}}`, 0, ""},
	}
	s := serveBinary(t, nil)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("00000000-0000-0000-0001-%012d", i)
			a := post(t, s, "SharePointCleanup", tt.body, id)
			if a.ContentType != "application/json" {
				t.Errorf("Content-Type %q", a.ContentType)
			}
			line := logLine(t, s, "invocation started", id)
			if line["message"] != message {
				t.Errorf("message decoded as %q, want %q (line %v)", line["message"], message, line)
			}
			if line["dequeue_count"] != tt.count {
				t.Errorf("dequeue_count = %v, want %v", line["dequeue_count"], tt.count)
			}
			if line["message_id"] != tt.id {
				t.Errorf("message_id = %v, want %q", line["message_id"], tt.id)
			}
		})
	}
}

// TestFailureIsReadable uses a function with none of its settings: the run
// fails, and the host must see why, on stderr too (it drops Logs on 500).
func TestFailureIsReadable(t *testing.T) {
	s := serveBinary(t, nil)
	a := post(t, s, "SharePointCleanup", `{"Data":{"message":"\"{}\""},"Metadata":{"DequeueCount":"1"}}`, "aaaaaaaa-0000-0000-0000-000000000001")
	if a.Status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", a.Status, a.Text)
	}
	var why string
	if err := json.Unmarshal(a.Body["Error"], &why); err != nil || why == "" {
		t.Fatalf("no readable Error in the body: %s", a.Text)
	}
	if !strings.Contains(why, "SharePointCleanup") {
		t.Errorf("Error %q does not name the function", why)
	}
	waitOutput(t, s.stderr, "aaaaaaaa-0000-0000-0000-000000000001: "+why)
}

// TestEveryAnswerIsAJSONObject: the host reads any answer as JSON, so every
// status must carry application/json and the full object.
func TestEveryAnswerIsAJSONObject(t *testing.T) {
	s := serveBinary(t, nil)
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"readiness probe", http.MethodGet, "/", "", http.StatusOK},
		{"failed run", http.MethodPost, "/FtpRetrieve", `{"Data":{"timer":{}},"Metadata":{}}`, http.StatusInternalServerError},
		{"empty body", http.MethodPost, "/FtpRetrieve", ``, http.StatusInternalServerError},
		{"unknown function", http.MethodPost, "/NoSuchFunction", `{}`, http.StatusNotFound},
		{"malformed envelope", http.MethodPost, "/FtpRetrieve", `{"Data":`, http.StatusBadRequest},
		{"oversize body", http.MethodPost, "/SharePointCleanup", oversizeBody(), http.StatusRequestEntityTooLarge},
		{"nested path", http.MethodPost, "/FtpRetrieve/extra", `{}`, http.StatusNotFound},
		{"root path", http.MethodPost, "/", `{}`, http.StatusNotFound},
		{"wrong method", http.MethodPut, "/FtpRetrieve", `{}`, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, s.url+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			a := readAnswer(t, resp)
			if a.Status != tt.status {
				t.Errorf("status %d, want %d: %s", a.Status, tt.status, a.Text)
			}
			if a.ContentType != "application/json" {
				t.Errorf("Content-Type %q, want application/json", a.ContentType)
			}
			if tt.path == "/" {
				return
			}
			for _, key := range []string{"Outputs", "Logs", "ReturnValue"} {
				if _, ok := a.Body[key]; !ok {
					t.Errorf("no %s key: %s", key, a.Text)
				}
			}
			if tt.status != http.StatusOK && len(a.Body["Error"]) < 3 {
				t.Errorf("no Error text: %s", a.Text)
			}
		})
	}
}

// oversizeBody is a well-formed envelope just over the 4 MiB cap.
func oversizeBody() string {
	filler := strings.Repeat("x", maxBodyBytes)
	return `{"Data":{"message":"` + filler + `"},"Metadata":{}}`
}

// TestSIGTERMLetsTheRunningInvocationFinish starts an invocation whose body
// is held back (Expect: 100-continue: the "100 Continue" answer shows the
// handler is running and reading it), sends SIGTERM, checks that the
// handler stops taking new connections, then sends the body: the running
// invocation must still be answered, and the process must exit 0.
func TestSIGTERMLetsTheRunningInvocationFinish(t *testing.T) {
	s := serveBinary(t, nil)
	addr := strings.TrimPrefix(s.url, "http://")
	body := `{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{}}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /FtpRetrieve HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"+
		"X-Azure-Functions-InvocationId: bbbbbbbb-0000-0000-0000-000000000001\r\nContent-Length: %d\r\n\r\n", addr, len(body))
	replies := bufio.NewReader(conn)
	interim, err := http.ReadResponse(replies, nil)
	if err != nil || interim.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue, got %v, %v", interim, err)
	}

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	awaitRefused(t, addr)

	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(replies, nil)
	if err != nil {
		t.Fatalf("the running invocation got no answer: %v", err)
	}
	a := readAnswer(t, resp)
	if _, ok := a.Body["Logs"]; !ok {
		t.Fatalf("answer is not an invocation result: %s", a.Text)
	}
	logLine(t, s, "invocation started", "bbbbbbbb-0000-0000-0000-000000000001")
	select {
	case <-s.exited:
		if s.exitErr != nil {
			t.Fatalf("handler exited with %v, want 0\nstderr: %s", s.exitErr, s.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("handler still running after its last invocation finished")
	}
}

// awaitRefused waits until new connections to addr are refused: the
// handler has begun shutting down.
func awaitRefused(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("handler still accepts connections after SIGTERM")
}
