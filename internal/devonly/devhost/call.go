package devhost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/tenantops/tenantops/internal/invoke"
)

// call posts one invocation to the handler and reads its answer the way the
// host does: any non-2xx status fails the invocation, and a 2xx answer must
// be a JSON object with Content-Type application/json.
func (h *Host) call(ctx context.Context, function string, body envelope, res *Result) {
	res.Function = function
	res.InvocationID = invoke.NewID()
	payload, err := json.Marshal(body)
	if err != nil {
		res.Error = fmt.Sprintf("devhost: encoding the request: %v", err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.baseURL+"/"+function, bytes.NewReader(payload))
	if err != nil {
		res.Error = fmt.Sprintf("devhost: %v", err)
		return
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Azure-Functions-InvocationId", res.InvocationID)
	resp, err := h.client.Do(req)
	if err != nil {
		res.Error = fmt.Sprintf("devhost: posting to the handler: %v", err)
		return
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		res.Error = fmt.Sprintf("devhost: reading the handler's answer: %v", err)
		return
	}
	readAnswer(resp, text, res)
}

// answer is the handler's response body, plus the Error key tenantops adds
// on failure.
type answer struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
	Error       string         `json:"Error"`
}

func readAnswer(resp *http.Response, text []byte, res *Result) {
	var a answer
	jsonErr := json.Unmarshal(text, &a)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The host drops Logs here; the local host keeps them for the reader.
		res.Logs = a.Logs
		why := a.Error
		if jsonErr != nil || why == "" {
			why = trimOutput(string(text), 500)
		}
		res.Error = fmt.Sprintf("%s: %s", resp.Status, why)
		return
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case mediaType != "application/json":
		res.Error = fmt.Sprintf("devhost: answer has Content-Type %q; the host needs application/json", resp.Header.Get("Content-Type"))
	case len(bytes.TrimSpace(text)) == 0:
		res.Error = "devhost: answer has an empty body; the host would wait for it until functionTimeout"
	case jsonErr != nil:
		res.Error = fmt.Sprintf("devhost: answer is not a JSON object: %v", jsonErr)
	default:
		res.Logs, res.Outputs = a.Logs, a.Outputs
	}
}
