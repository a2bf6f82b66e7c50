package sptest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

const (
	verbose    = "application/json;odata=verbose"
	noMetadata = "application/json;odata=nometadata"
)

func start(t *testing.T) *sptest.Server {
	t.Helper()
	s, err := sptest.Start(sptest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// do sends a request with a bearer token and returns status, headers and body.
func do(t *testing.T, method, url, accept, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer token")
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

var tokenShape = regexp.MustCompile(`^1;3;[0-9a-f-]{36};\d{18};\d+$`)

func TestCurrentChangeTokenShapes(t *testing.T) {
	s := start(t)
	s.AddList("Projects")
	url := s.SiteURL() + "/_api/web/lists/getbytitle('Projects')?$select=CurrentChangeToken"
	_, _, light := do(t, "GET", url, noMetadata, "")
	var l struct{ CurrentChangeToken struct{ StringValue string } }
	if err := json.Unmarshal([]byte(light), &l); err != nil || !tokenShape.MatchString(l.CurrentChangeToken.StringValue) {
		t.Fatalf("nometadata: %s", light)
	}
	_, _, verb := do(t, "GET", url, verbose, "")
	var v struct {
		D struct {
			Metadata           struct{ Type string } `json:"__metadata"`
			CurrentChangeToken struct {
				Metadata    struct{ Type string } `json:"__metadata"`
				StringValue string
			}
		} `json:"d"`
	}
	if err := json.Unmarshal([]byte(verb), &v); err != nil || v.D.Metadata.Type != "SP.List" ||
		v.D.CurrentChangeToken.Metadata.Type != "SP.ChangeToken" || !tokenShape.MatchString(v.D.CurrentChangeToken.StringValue) {
		t.Fatalf("verbose: %s", verb)
	}
}

func TestGetChangesRules(t *testing.T) {
	s := start(t)
	s.AddList("Projects")
	ids, _ := s.AddItems("Projects", 3, nil)
	_ = s.DeleteItems("Projects", ids...)
	url := s.SiteURL() + "/_api/web/lists/GetByTitle('Projects')/GetChanges"
	tests := []struct {
		name, body, want string
		status           int
	}{
		{"FetchLimit as a string pages", `{"query":{"Item":true,"DeleteObject":true,"FetchLimit":"2"}}`, `"ChangeType":3`, 200},
		{"FetchLimit as a number is refused", `{"query":{"Item":true,"DeleteObject":true,"FetchLimit":2}}`, "Edm.Int64", 400},
		{"booleans as strings", `{"query":{"Item":"True","DeleteObject":"True"}}`, `"ChangeType":3`, 200},
		{"a token older than the log", `{"query":{"Item":true,"DeleteObject":true,"ChangeTokenStart":{"StringValue":"1;3;` + s.ListID("Projects") + `;630000000000000000;1"}}}`, "-2130575172", 500},
		{"a malformed token", `{"query":{"Item":true,"DeleteObject":true,"ChangeTokenStart":{"StringValue":"1;3;x;y;z"}}}`, "-2146233086", 400},
		{"a token made from a time before the deletes", `{"query":{"Item":true,"DeleteObject":true,"ChangeTokenStart":{"StringValue":"` + timeToken(s, -time.Hour) + `"}}}`, `"ChangeType":3`, 200},
		{"a token made from a time after the deletes", `{"query":{"Item":true,"DeleteObject":true,"ChangeTokenStart":{"StringValue":"` + timeToken(s, time.Hour) + `"}}}`, `{"value":[]}`, 200},
		{"a token of another list", `{"query":{"Item":true,"DeleteObject":true,"ChangeTokenStart":{"StringValue":"1;3;00000000-0000-0000-0000-000000000000;` + "639000000000000000" + `;1"}}}`, "-2130575173", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := do(t, "POST", url, noMetadata, tt.body)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("%d %s", status, body)
			}
		})
	}
	_, _, body := do(t, "POST", url, noMetadata, `{"query":{"Item":true,"DeleteObject":true,"FetchLimit":"2"}}`)
	if n := strings.Count(body, `"ChangeType":3`); n != 2 {
		t.Fatalf("FetchLimit 2 returned %d changes", n)
	}
}

// timeToken is a list token made from a time, as callers synthesize one:
// 1;3;<listId>;<ticks>;-1.
func timeToken(s *sptest.Server, offset time.Duration) string {
	ticks := time.Now().Add(offset).UTC().UnixNano()/100 + 621355968000000000
	return fmt.Sprintf("1;3;%s;%d;-1", s.ListID("Projects"), ticks)
}

func TestItemsPagingAndErrors(t *testing.T) {
	s := start(t)
	s.AddList("Projects")
	s.AddList("Tasks", sptest.Field{InternalName: "Project", Type: "Lookup", LookupList: "Projects"})
	_, _ = s.AddItems("Tasks", 5, func(i int) map[string]int { return map[string]int{"Project": 1 + i%2} })
	_, _, body := do(t, "GET", s.SiteURL()+"/_api/web/lists/getbytitle('Tasks')/items?$select=Id&$filter=ProjectId%20eq%201&$top=2", noMetadata, "")
	var page struct {
		Value []struct {
			ID int `json:"Id"`
		}
		NextLink string `json:"odata.nextLink"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Value) != 2 || !strings.Contains(page.NextLink, "p_ID%3D3") {
		t.Fatalf("page 1: %s", body)
	}
	_, _, body = do(t, "GET", page.NextLink, noMetadata, "")
	if !strings.Contains(body, `"Id":5`) || strings.Contains(body, "nextLink") {
		t.Fatalf("page 2: %s", body)
	}
	status, _, body := do(t, "GET", s.SiteURL()+"/_api/web/lists/getbytitle('Tasks')/items(99)", verbose, "")
	if status != 404 || !strings.Contains(body, `"error"`) || !strings.Contains(body, "-2130575338") {
		t.Fatalf("missing item, verbose: %d %s", status, body)
	}
	status, _, body = do(t, "GET", s.SiteURL()+"/_api/web/lists/getbytitle('Nope')", noMetadata, "")
	if status != 404 || !strings.Contains(body, `"odata.error"`) {
		t.Fatalf("missing list, nometadata: %d %s", status, body)
	}
}

func TestBatchAnswersEachOperation(t *testing.T) {
	s := start(t)
	s.AddList("Tasks")
	_, _ = s.AddItems("Tasks", 2, nil)
	item := s.SiteURL() + "/_api/web/lists/getbytitle('Tasks')/items"
	body := "--batch_1\r\nContent-Type: multipart/mixed; boundary=changeset_1\r\n\r\n" +
		"--changeset_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPOST " + item + "(1)/recycle HTTP/1.1\r\nAccept: " + noMetadata + "\r\n\r\n\r\n" +
		"--changeset_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nDELETE " + item + "(7) HTTP/1.1\r\nIf-Match: *\r\n\r\n\r\n" +
		"--changeset_1--\r\n\r\n--batch_1--\r\n"
	req, _ := http.NewRequest("POST", s.SiteURL()+"/_api/$batch", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer token")
	req.Header.Set("Content-Type", "multipart/mixed; boundary=batch_1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	text := string(data)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "multipart/mixed; boundary=batchresponse_") ||
		!strings.Contains(text, "HTTP/1.1 200 OK") || !strings.Contains(text, "HTTP/1.1 404 Not Found") {
		t.Fatalf("%d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), text)
	}
	if len(s.Items("Tasks")) != 1 || len(s.RecycleBin()) != 1 || s.RequestCount() != 1 {
		t.Fatalf("items %d, recycle bin %d, requests %d", len(s.Items("Tasks")), len(s.RecycleBin()), s.RequestCount())
	}
}

func TestBearerTokenIsRequired(t *testing.T) {
	s, err := sptest.Start(sptest.Options{VerifyToken: func(token, audience string) error {
		if token != "good" {
			return io.EOF
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddList("Projects")
	for _, auth := range []string{"", "Bearer bad", "Basic dXNlcjpwYXNz"} {
		req, _ := http.NewRequest("GET", s.SiteURL()+"/_api/web/lists/getbytitle('Projects')", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer realm=") {
			t.Fatalf("%q: %d", auth, resp.StatusCode)
		}
	}
}

func TestInjectedThrottling(t *testing.T) {
	s := start(t)
	s.AddList("Projects")
	s.InjectFault(sptest.Fault{Status: 429, RetryAfter: "2", RateLimitReset: "3", PathContains: "getbytitle"})
	url := s.SiteURL() + "/_api/web/lists/getbytitle('Projects')"
	status, header, body := do(t, "GET", url, noMetadata, "")
	if status != 429 || header.Get("Retry-After") != "2" || header.Get("RateLimit-Reset") != "3" || !strings.Contains(body, "odata.error") {
		t.Fatalf("%d %v %s", status, header, body)
	}
	if status, _, _ := do(t, "GET", url, noMetadata, ""); status != 200 {
		t.Fatalf("fault not consumed: %d", status)
	}
	if got := s.RequestCount(); got != 2 {
		t.Fatalf("%d requests counted", got)
	}
}

// TestRecycleBinRestoreIsLogged: a recycled item is in the site's recycle
// bin, gone from its list, and back under its id after Restore(); the
// change log holds its delete and then a Restore (7), which a query sees
// only when it asks for Restore.
func TestRecycleBinRestoreIsLogged(t *testing.T) {
	s := start(t)
	s.AddList("Projects")
	ids, _ := s.AddItems("Projects", 2, nil)
	_, _, body := do(t, "GET", s.SiteURL()+"/_api/web/lists/getbytitle('Projects')?$select=CurrentChangeToken", noMetadata, "")
	var list struct{ CurrentChangeToken struct{ StringValue string } }
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	start := list.CurrentChangeToken.StringValue
	bin, err := s.RecycleItems("Projects", ids[1])
	if err != nil || len(s.Items("Projects")) != 1 {
		t.Fatalf("recycle: %v, %d items left", err, len(s.Items("Projects")))
	}
	_, _, body = do(t, "GET", s.SiteURL()+"/_api/web/RecycleBin", verbose, "")
	if !strings.Contains(body, `"type":"SP.RecycleBinItem"`) || !strings.Contains(body, bin[0]) {
		t.Fatalf("recycle bin: %s", body)
	}
	status, _, body := do(t, "POST", s.SiteURL()+"/_api/web/RecycleBin('"+bin[0]+"')/Restore()", noMetadata, "")
	if status != 200 || len(s.Items("Projects")) != 2 || len(s.RecycleBin()) != 0 {
		t.Fatalf("restore: %d %s", status, body)
	}
	if status, _, _ := do(t, "POST", s.SiteURL()+"/_api/web/RecycleBin('"+bin[0]+"')/Restore()", noMetadata, ""); status != 404 {
		t.Fatalf("second restore: %d", status)
	}
	url := s.SiteURL() + "/_api/web/lists/getbytitle('Projects')/GetChanges"
	_, _, body = do(t, "POST", url, noMetadata, `{"query":{"Item":true,"DeleteObject":true,"Restore":true,"ChangeTokenStart":{"StringValue":"`+start+`"}}}`)
	deleted, restored := strings.Index(body, `"ChangeType":3`), strings.Index(body, `"ChangeType":7`)
	if deleted < 0 || restored < deleted {
		t.Fatalf("changes with Restore: %s", body)
	}
	_, _, body = do(t, "POST", url, noMetadata, `{"query":{"Item":true,"DeleteObject":true,"ChangeTokenStart":{"StringValue":"`+start+`"}}}`)
	if strings.Contains(body, `"ChangeType":7`) || !strings.Contains(body, `"ChangeType":3`) {
		t.Fatalf("changes without Restore: %s", body)
	}
}
