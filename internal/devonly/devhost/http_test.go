package devhost

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHTTPTriggerAnswersFromOutputs drives SharePointWebhook through the
// local host's HTTP front end: the key is checked, the request reaches the
// handler as Data.req, and the answer comes from Outputs.res.
func TestHTTPTriggerAnswersFromOutputs(t *testing.T) {
	f := startFixture(t, map[string]string{"SPSiteUrl": "https://contoso.sharepoint.com/sites/ops", "SPListTitle": "Projects"}, false)
	f.host.opts.FunctionKey = "the-key"
	url := f.host.HTTPURL() + "/api/sharepoint/webhook"
	tests := []struct {
		name, method, query string
		wantStatus          int
		wantBody, wantType  string
	}{
		{"handshake", "POST", "?code=the-key&validationtoken=abc", 200, "abc", "text/plain"},
		{"no key", "POST", "?validationtoken=abc", 401, "", ""},
		{"wrong method", "GET", "?code=the-key&validationtoken=abc", 405, "", ""},
		{"notification without a body", "POST", "?code=the-key", 400, "no body", "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, tt.method, url+tt.query, http.NoBody)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) || resp.Header.Get("Content-Type") != tt.wantType && tt.wantType != "" {
				t.Fatalf("%d %q %s", resp.StatusCode, body, resp.Header.Get("Content-Type"))
			}
		})
	}
}
