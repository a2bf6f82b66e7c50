// Package invoke holds the custom-handler invocation envelope: the request
// the Azure Functions host POSTs to /<FunctionName> and the response it reads.
//
// The host serializes string values a second time, so a queue message or a
// metadata string may arrive as a JSON string whose content is itself a JSON
// string literal, and DequeueCount may arrive as "1". The accessors here
// decode tolerantly.
package invoke

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Request is the body of one invocation: Data keyed by binding name, and
// trigger Metadata.
type Request struct {
	Data     map[string]json.RawMessage `json:"Data"`
	Metadata map[string]json.RawMessage `json:"Metadata"`
}

// Response is what the handler answers: output binding values keyed by
// binding name, log lines, and the $return value. Its zero value encodes as
// a complete JSON object.
type Response struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

// MarshalJSON always writes Outputs as an object and Logs as an array.
func (r Response) MarshalJSON() ([]byte, error) {
	type plain Response
	if r.Outputs == nil {
		r.Outputs = map[string]any{}
	}
	if r.Logs == nil {
		r.Logs = []string{}
	}
	return json.Marshal(plain(r))
}

// Decode parses a request body. An empty body is an empty request; a
// leading UTF-8 byte order mark is ignored.
func Decode(body []byte) (Request, error) {
	var req Request
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(body)) == 0 {
		return req, nil
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("invoke: request body is not an invocation envelope: %w", err)
	}
	return req, nil
}

// Lookup returns m[name], or else the value of the one key that equals name
// without regard to case: binding names and metadata keys are
// case-insensitive to the host, which may send "dequeueCount" or "id".
func Lookup(m map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	if raw, ok := m[name]; ok {
		return raw, true
	}
	for k, raw := range m {
		if strings.EqualFold(k, name) {
			return raw, true
		}
	}
	return nil, false
}

// DataString returns Data[name] as a string, unwrapping up to two layers of
// JSON string encoding. A JSON object or array is returned as its JSON text.
// name is matched without regard to case.
func (r Request) DataString(name string) (string, bool) {
	raw, ok := Lookup(r.Data, name)
	if !ok {
		return "", false
	}
	return String(raw), true
}

// MetadataString returns Metadata[name] as a string, decoded tolerantly;
// name is matched without regard to case.
func (r Request) MetadataString(name string) string {
	raw, ok := Lookup(r.Metadata, name)
	if !ok {
		return ""
	}
	return String(raw)
}

// MetadataInt returns Metadata[name] as an integer, whether it came as a
// number, a string ("1"), or a doubly encoded string ("\"1\"").
func (r Request) MetadataInt(name string) (int, bool) {
	raw, ok := Lookup(r.Metadata, name)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(String(raw)))
	if err != nil {
		return 0, false
	}
	return n, true
}

// DequeueCount returns the queue trigger's DequeueCount metadata (0 when absent).
func (r Request) DequeueCount() int {
	n, _ := r.MetadataInt("DequeueCount")
	return n
}

// String decodes a raw JSON value tolerantly: a JSON string is unquoted, and
// unquoted once more when its content is itself a JSON string literal; null
// is ""; anything else (object, array, number, bool) is returned as JSON text.
func String(raw json.RawMessage) string {
	text := strings.TrimSpace(string(raw))
	for range 2 {
		if !strings.HasPrefix(text, `"`) {
			break
		}
		var s string
		if err := json.Unmarshal([]byte(text), &s); err != nil {
			break
		}
		text = s
	}
	if text == "null" {
		return ""
	}
	return text
}

// NewID returns a random version 4 GUID, the form of the host's invocation ids.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
