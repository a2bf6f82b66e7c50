package devhost

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxHTTPBody bounds a request body to an HTTP trigger.
const maxHTTPBody = 4 << 20

// startFront listens for HTTP triggers when the app has any.
func (h *Host) startFront() error {
	if !slices.ContainsFunc(h.triggers, func(tr trigger) bool { return tr.Type == "httpTrigger" }) {
		return nil
	}
	addr := h.opts.HTTPAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("devhost: HTTP triggers: %w", err)
	}
	h.http = "http://" + ln.Addr().String()
	h.front = &http.Server{Handler: http.HandlerFunc(h.serveFront), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.front.Serve(ln) }()
	return nil
}

// HTTPURL is the base URL of the HTTP triggers (http://127.0.0.1:port;
// a function's URL is HTTPURL + /api/<route>), "" when the app has none.
func (h *Host) HTTPURL() string { return h.http }

// serveFront does what the host does for an HTTP trigger without request
// forwarding: checks the key, posts Data.req to /<Function>, and answers
// from Outputs.res (statusCode, headers, body).
func (h *Host) serveFront(w http.ResponseWriter, r *http.Request) {
	route, _ := strings.CutPrefix(r.URL.Path, "/api/")
	i := slices.IndexFunc(h.triggers, func(tr trigger) bool {
		return tr.Type == "httpTrigger" && strings.EqualFold(tr.Route, strings.Trim(route, "/"))
	})
	if i < 0 {
		http.NotFound(w, r)
		return
	}
	tr := h.triggers[i]
	if len(tr.Methods) > 0 && !slices.Contains(tr.Methods, strings.ToLower(r.Method)) {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if !h.keyOK(tr, r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHTTPBody))
	if err != nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	var res Result
	h.call(r.Context(), tr.Function, httpPayload(tr, r, body, time.Now()), &res)
	res.Trigger = tr.Type
	if h.opts.OnResult != nil {
		h.opts.OnResult(res)
	}
	if !res.OK() {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	writeHTTPOutput(w, res.Outputs["res"])
}

// keyOK checks the function key the way authLevel function does.
func (h *Host) keyOK(tr trigger, r *http.Request) bool {
	if tr.AuthLevel == "anonymous" || h.opts.FunctionKey == "" {
		return true
	}
	key := r.URL.Query().Get("code")
	if key == "" {
		key = r.Header.Get("x-functions-key")
	}
	return subtle.ConstantTimeCompare([]byte(key), []byte(h.opts.FunctionKey)) == 1
}

// httpPayload is the invocation of an HTTP trigger: Data.<name> with Url
// (key included), Method, Query, Headers, Params, and Body only when the
// request has content; Metadata with Query, Headers and sys.
func httpPayload(tr trigger, r *http.Request, body []byte, now time.Time) envelope {
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		query[k] = strings.Join(v, ",")
	}
	req := map[string]any{"Url": "http://" + r.Host + r.URL.RequestURI(), "Method": r.Method, "Query": query,
		"Headers": r.Header, "Params": map[string]string{}, "Identities": []any{}}
	if len(body) > 0 {
		req["Body"] = string(body)
	}
	return envelope{Data: map[string]any{tr.Name: req},
		Metadata: map[string]any{"Query": query, "Headers": r.Header, "sys": newSys(tr.Function, now)}}
}

// writeHTTPOutput answers from the http output binding's value.
func writeHTTPOutput(w http.ResponseWriter, out any) {
	var res struct {
		StatusCode json.RawMessage   `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       json.RawMessage   `json:"body"`
	}
	raw, _ := json.Marshal(out)
	_ = json.Unmarshal(raw, &res)
	status := http.StatusOK
	var code any
	if json.Unmarshal(res.StatusCode, &code) == nil {
		if _, err := fmt.Sscan(fmt.Sprint(code), &status); err != nil {
			status = http.StatusOK
		}
	}
	for k, v := range res.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(status)
	var text string
	if json.Unmarshal(res.Body, &text) == nil {
		_, _ = io.WriteString(w, text)
	} else if len(res.Body) > 0 && string(res.Body) != "null" {
		_, _ = w.Write(res.Body)
	}
}
