package sptest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// format is the OData flavour a request asked for in Accept.
type format int

const (
	light   format = iota // application/json;odata=nometadata (or minimalmetadata, or plain JSON)
	verbose               // application/json;odata=verbose
)

func formatOf(r *http.Request) format {
	if strings.Contains(strings.ToLower(r.Header.Get("Accept")), "odata=verbose") {
		return verbose
	}
	return light
}

func (f format) contentType() string {
	if f == verbose {
		return "application/json;odata=verbose;charset=utf-8"
	}
	return "application/json;odata=nometadata;streaming=true;charset=utf-8"
}

// entity is one OData object; metadata is used only in verbose responses.
type entity struct {
	metadata map[string]any
	fields   map[string]any
}

func (e entity) render(f format) map[string]any {
	out := make(map[string]any, len(e.fields)+1)
	for k, v := range e.fields {
		if nested, ok := v.(entity); ok {
			v = nested.render(f)
		}
		out[k] = v
	}
	if f == verbose && e.metadata != nil {
		out["__metadata"] = e.metadata
	}
	return out
}

// writeEntity answers one object: {"d":{…}} verbose, {…} light.
func writeEntity(w http.ResponseWriter, f format, e entity) {
	body := e.render(f)
	if f == verbose {
		writeJSON(w, f, http.StatusOK, map[string]any{"d": body})
		return
	}
	writeJSON(w, f, http.StatusOK, body)
}

// writeCollection answers a collection: d.results + d.__next verbose,
// value + odata.nextLink light.
func writeCollection(w http.ResponseWriter, f format, items []entity, next string) {
	rendered := make([]map[string]any, len(items))
	for i, e := range items {
		rendered[i] = e.render(f)
	}
	if f == verbose {
		d := map[string]any{"results": rendered}
		if next != "" {
			d["__next"] = next
		}
		writeJSON(w, f, http.StatusOK, map[string]any{"d": d})
		return
	}
	body := map[string]any{"value": rendered}
	if next != "" {
		body["odata.nextLink"] = next
	}
	writeJSON(w, f, http.StatusOK, body)
}

// writeError answers SharePoint's error document: "error" verbose,
// "odata.error" light.
func writeError(w http.ResponseWriter, f format, status int, code, message string) {
	doc := map[string]any{"code": code, "message": map[string]string{"lang": "en-US", "value": message}}
	key := "odata.error"
	if f == verbose {
		key = "error"
	}
	writeJSON(w, f, status, map[string]any{key: doc})
}

func writeJSON(w http.ResponseWriter, f format, status int, body any) {
	w.Header().Set("Content-Type", f.contentType())
	w.Header().Set("X-SharePointHealthScore", "0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
