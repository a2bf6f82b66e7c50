package remoteps

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// WSManFault codes (Windows error codes, MS-WSMV 2.2.4.43) the client acts on.
const (
	codeTimedOut        = 2150858793 // ERROR_WSMAN_OPERATION_TIMEDOUT: Receive had no output within OperationTimeout
	codeShellNotFound   = 2150858843 // the ShellId names no shell on the server
	codeEnvelopeLarge   = 2150858790 // ERROR_WSMAN_ENVELOPE_TOO_LARGE
	codeMaxEnvelope     = 2150858823 // ERROR_WSMAN_MAX_ENVELOPE_SIZE
	codeMaxEnvelopeOver = 2150858824 // ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED
	codeRequestTooLarge = 2150859025 // ERROR_WSMAN_HTTP_REQUEST_TOO_LARGE_STATUS
)

// wsmanFault is the part of a SOAP fault (with its WSManFault detail) that
// the client reads. Element names are matched without their namespaces,
// and attribute quoting and entities are left to the XML decoder.
type wsmanFault struct {
	Subcode string // "w:TimedOut", "w:InvalidSelectors", ...
	Code    uint64 // the WSManFault Code attribute; 0 when absent
	Reason  string
}

// faultEnvelope is a SOAP 1.2 envelope holding a fault.
type faultEnvelope struct {
	Fault *struct {
		Subcode string   `xml:"Code>Subcode>Value"`
		Texts   []string `xml:"Reason>Text"`
		Detail  struct {
			WSManFault struct {
				Code    string `xml:"Code,attr"`
				Message string `xml:",innerxml"`
			} `xml:"WSManFault"`
		} `xml:"Detail"`
	} `xml:"Body>Fault"`
}

// parseFault reads a fault from a response body; ok is false when the body
// is not a SOAP fault.
func parseFault(body []byte) (wsmanFault, bool) {
	var env faultEnvelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Fault == nil {
		return wsmanFault{}, false
	}
	f := wsmanFault{Subcode: strings.TrimSpace(env.Fault.Subcode)}
	f.Code, _ = strconv.ParseUint(strings.TrimSpace(env.Fault.Detail.WSManFault.Code), 10, 64)
	for _, t := range env.Fault.Texts {
		if t = strings.TrimSpace(t); t != "" {
			f.Reason = t
			break
		}
	}
	if f.Reason == "" {
		f.Reason = strings.TrimSpace(stripTags(env.Fault.Detail.WSManFault.Message))
	}
	return f, true
}

// stripTags returns the text of an XML fragment.
func stripTags(fragment string) string {
	dec := xml.NewDecoder(strings.NewReader("<x>" + fragment + "</x>"))
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return b.String()
		}
		if cd, ok := tok.(xml.CharData); ok {
			b.Write(cd)
		}
	}
}

// subcode returns the fault's subcode without its namespace prefix.
func (f wsmanFault) subcode() string {
	_, local, found := strings.Cut(f.Subcode, ":")
	if !found {
		return f.Subcode
	}
	return local
}

// timedOut reports the Receive fault that means "no output yet" (MS-WSMV
// 3.1.4.14): told by its code or subcode, never by its (localized) text.
func (f wsmanFault) timedOut() bool {
	return f.Code == codeTimedOut || f.subcode() == "TimedOut"
}

// shellNotFound reports the fault for a ShellId the server does not know.
func (f wsmanFault) shellNotFound() bool { return f.Code == codeShellNotFound }

// envelopeTooLarge reports a fault about the size of a request or response.
func (f wsmanFault) envelopeTooLarge() bool {
	switch f.Code {
	case codeEnvelopeLarge, codeMaxEnvelope, codeMaxEnvelopeOver, codeRequestTooLarge:
		return true
	}
	return f.subcode() == "EncodingLimit"
}

// httpError is a request the listener answered with other than 200 OK.
type httpError struct {
	Status int
	Fault  *wsmanFault // nil when the body holds no fault
	Body   string      // the start of a body that is not a fault
}

// maxBodyText bounds the response body an error carries.
const maxBodyText = 500

func newHTTPError(status int, body []byte) *httpError {
	e := &httpError{Status: status}
	if f, ok := parseFault(body); ok {
		e.Fault = &f
		return e
	}
	e.Body = strings.TrimSpace(string(body))
	if len(e.Body) > maxBodyText {
		e.Body = e.Body[:maxBodyText] + " ..."
	}
	return e
}

// Error implements error. masterzen/winrm keeps asking for output while a
// Receive error contains "OperationTimeout", so only the w:TimedOut fault
// says it; any other fault text has the word taken apart, lest a different
// fault that mentions the setting keep the run waiting forever.
func (e *httpError) Error() string {
	switch {
	case e.Fault != nil && e.Fault.timedOut():
		return fmt.Sprintf("http error %d: %s %d: no output within the OperationTimeout", e.Status, e.Fault.Subcode, codeTimedOut)
	case e.Fault != nil:
		return fmt.Sprintf("http error %d: WS-Management fault %s %d: %s", e.Status, e.Fault.Subcode, e.Fault.Code,
			strings.ReplaceAll(e.Fault.Reason, "OperationTimeout", "operation timeout"))
	}
	return fmt.Sprintf("http error %d: %s", e.Status, strings.ReplaceAll(e.Body, "OperationTimeout", "operation timeout"))
}
