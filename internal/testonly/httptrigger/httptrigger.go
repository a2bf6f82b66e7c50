// Package httptrigger serves an HTTP-triggered function's declaration over
// real HTTP, in the shape the Functions host gives it (Data.req with Url,
// Method, Query, Headers and a Body only when there is content; the answer
// from Outputs.res), for tests that need a live endpoint.
package httptrigger

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
)

// Handler runs decl for each request, with env as its app settings and log
// as its logger.
func Handler(decl function.Declaration, env settings.Env, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query := map[string]string{}
		for k, v := range r.URL.Query() {
			query[k] = v[0]
		}
		req := map[string]any{"Url": "http://" + r.Host + r.URL.RequestURI(), "Method": r.Method, "Query": query,
			"Headers": r.Header, "Params": map[string]string{}}
		if body, _ := io.ReadAll(r.Body); len(body) > 0 {
			req["Body"] = string(body)
		}
		raw, _ := json.Marshal(req)
		inv := &function.Invocation{Function: decl.Name, Env: env, Log: log, Outputs: map[string]any{},
			Request: invoke.Request{Data: map[string]json.RawMessage{decl.Trigger.Name: raw}}}
		if err := decl.Run(r.Context(), inv); err != nil {
			http.Error(w, "function failed", http.StatusInternalServerError)
			return
		}
		writeAnswer(w, inv.Outputs)
	})
}

func writeAnswer(w http.ResponseWriter, outputs map[string]any) {
	res, _ := outputs["res"].(map[string]any)
	headers, _ := res["headers"].(map[string]string)
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	status, err := strconv.Atoi(func() string { s, _ := res["statusCode"].(string); return s }())
	if err != nil {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	body, _ := res["body"].(string)
	_, _ = io.WriteString(w, body)
}
