package winrmtest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// WS-Management actions of the remote shell protocol (MS-WSMV 3.1.4).
const (
	actionCreate  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	actionDelete  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	actionCommand = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
	actionSend    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
	actionReceive = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
	actionSignal  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
	actionFault   = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

	shellResourceURI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
	stateRunning     = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"
	stateDone        = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
)

// request is the part of a WS-Management request the server reads. Element
// names are matched without their namespaces.
type request struct {
	Header struct {
		Action           string `xml:"Action"`
		MessageID        string `xml:"MessageID"`
		ResourceURI      string `xml:"ResourceURI"`
		MaxEnvelopeSize  string `xml:"MaxEnvelopeSize"`
		OperationTimeout string `xml:"OperationTimeout"`
		Selectors        []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"SelectorSet>Selector"`
		Options []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"OptionSet>Option"`
	} `xml:"Header"`
	Body struct {
		CommandLine *struct {
			Command   string   `xml:"Command"`
			Arguments []string `xml:"Arguments"`
		} `xml:"CommandLine"`
		Send *struct {
			Streams []struct {
				Name      string `xml:"Name,attr"`
				CommandID string `xml:"CommandId,attr"`
				End       string `xml:"End,attr"`
				Data      string `xml:",chardata"`
			} `xml:"Stream"`
		} `xml:"Send"`
		Receive *struct {
			DesiredStream struct {
				CommandID string `xml:"CommandId,attr"`
				Streams   string `xml:",chardata"`
			} `xml:"DesiredStream"`
		} `xml:"Receive"`
		Signal *struct {
			CommandID string `xml:"CommandId,attr"`
			Code      string `xml:"Code"`
		} `xml:"Signal"`
	} `xml:"Body"`
}

// parseRequest reads a request. The base64 content of Send streams can be
// hundreds of kilobytes, which encoding/xml reads a byte at a time; it is
// cut out first, and the parser reads the small skeleton.
func parseRequest(body []byte) (*request, error) {
	skeleton, payloads := cutStreams(body)
	var r request
	if err := xml.Unmarshal(skeleton, &r); err != nil {
		return nil, err
	}
	if r.Body.Send != nil {
		for i := range r.Body.Send.Streams {
			st := &r.Body.Send.Streams[i]
			if n, err := strconv.Atoi(strings.TrimPrefix(st.Data, "#")); err == nil && n < len(payloads) {
				st.Data = string(payloads[n])
			}
		}
	}
	return &r, nil
}

var streamStart = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?Stream[\s>][^>]*>`)

// cutStreams replaces the text of each Stream element with "#<n>" and
// returns the texts. Base64 holds no '<', so a text ends at the next tag.
func cutStreams(body []byte) ([]byte, [][]byte) {
	if !bytes.Contains(body, []byte("Stream")) {
		return body, nil
	}
	var out []byte
	var payloads [][]byte
	for {
		loc := streamStart.FindIndex(body)
		if loc == nil || bytes.HasSuffix(body[loc[0]:loc[1]], []byte("/>")) {
			return append(out, body...), payloads
		}
		end := bytes.IndexByte(body[loc[1]:], '<')
		if end < 0 {
			return append(out, body...), payloads
		}
		out = append(out, body[:loc[1]]...)
		out = append(out, fmt.Sprintf("#%d", len(payloads))...)
		payloads = append(payloads, body[loc[1]:loc[1]+end])
		body = body[loc[1]+end:]
	}
}

func (r *request) selector(name string) string {
	for _, s := range r.Header.Selectors {
		if s.Name == name {
			return strings.TrimSpace(s.Value)
		}
	}
	return ""
}

func (r *request) option(name string) string {
	for _, o := range r.Header.Options {
		if o.Name == name {
			return strings.TrimSpace(o.Value)
		}
	}
	return ""
}

// maxEnvelope is the request's MaxEnvelopeSize, 0 when absent.
func (r *request) maxEnvelope() int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.Header.MaxEnvelopeSize))
	return n
}

var isoDuration = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$`)

// operationTimeout is the request's OperationTimeout (an xs:duration such
// as PT60S or PT60.000S), 0 when absent or unreadable.
func (r *request) operationTimeout() time.Duration {
	m := isoDuration.FindStringSubmatch(strings.TrimSpace(r.Header.OperationTimeout))
	if m == nil {
		return 0
	}
	h, _ := strconv.Atoi(m[1])
	mins, _ := strconv.Atoi(m[2])
	s, _ := strconv.ParseFloat(m[3], 64)
	return time.Duration(h)*time.Hour + time.Duration(mins)*time.Minute + time.Duration(s*float64(time.Second))
}

const envelopeStart = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
	`xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" ` +
	`xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" ` +
	`xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">`

// envelopeOverhead bounds the bytes of a response envelope around its
// payload; the server keeps Receive responses within MaxEnvelopeSize with it.
const envelopeOverhead = 2048

// writeEnvelope writes a SOAP response with the given action and body.
func writeEnvelope(w http.ResponseWriter, status int, action, relatesTo, body string) {
	var b strings.Builder
	b.WriteString(envelopeStart)
	fmt.Fprintf(&b, `<s:Header><a:Action>%s</a:Action><a:MessageID>uuid:%s</a:MessageID>`, action, newID())
	b.WriteString(`<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>`)
	fmt.Fprintf(&b, `<a:RelatesTo>%s</a:RelatesTo></s:Header><s:Body>%s</s:Body></s:Envelope>`, xmlText(relatesTo), body)
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fault is a WS-Management fault (MS-WSMV 2.2.4.43 and the WSManFault detail).
type fault struct {
	subcode string // "w:TimedOut", ...
	code    uint32 // the WSManFault code (a Windows error or HRESULT)
	reason  string
}

// Faults this server sends, with Windows' codes and wording.
var (
	faultTimedOut = fault{"w:TimedOut", 2150858793,
		"The WS-Management service cannot complete the operation within the time specified in OperationTimeout."}
	faultInvalidParameter = fault{"w:InvalidParameter", 2147942487, "The parameter is incorrect."}
	faultFilenameTooLong  = fault{"w:InternalError", 2147942606, "The filename or extension is too long."}
	// faultEnvelopeTooSmall answers a MaxEnvelopeSize under minMaxEnvelope
	// (MS-WSMV 3.1.4.1.7: the server MUST return wsman:EncodingLimit).
	faultEnvelopeTooSmall = fault{"w:EncodingLimit", 2150858823,
		"The WS-Management service cannot process the request because the MaxEnvelopeSize in the request is below 8192 octets."}
)

// minMaxEnvelope is the least MaxEnvelopeSize a request may ask for.
const minMaxEnvelope = 8192

func faultShellNotFound(id string) fault {
	return fault{"w:InvalidSelectors", 2150858843, "The request for the Windows Remote Shell with ShellId " + id +
		" failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect " +
		"or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation."}
}

func faultActionNotSupported(action string) fault {
	return fault{"a:ActionNotSupported", 2150858757, "The WS-Management service does not support the specified action: " + action}
}

// writeFault writes a fault as HTTP 500, as the WinRM service does.
func writeFault(w http.ResponseWriter, relatesTo string, f fault) {
	body := fmt.Sprintf(`<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>%s</s:Value></s:Subcode></s:Code>`+
		`<s:Reason><s:Text xml:lang="en-US">%s </s:Text></s:Reason><s:Detail>`+
		`<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="%d" Machine="127.0.0.1">`+
		`<f:Message>%s </f:Message></f:WSManFault></s:Detail></s:Fault>`,
		f.subcode, xmlText(f.reason), f.code, xmlText(f.reason))
	writeEnvelope(w, http.StatusInternalServerError, actionFault, relatesTo, body)
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
