package remoteps

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// faultBody is a WS-Management fault as the WinRM service sends it.
func faultBody(subcode, code, reason string) []byte {
	return []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Body><s:Fault>` +
		`<s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>` + subcode + `</s:Value></s:Subcode></s:Code>` +
		`<s:Reason><s:Text xml:lang="en-US">` + reason + ` </s:Text></s:Reason><s:Detail>` +
		`<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="` + code + `" Machine="mim01">` +
		`<f:Message>` + reason + ` </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`)
}

func TestDescribe(t *testing.T) {
	c := &Client{cfg: Config{Host: "mim01", User: `LAB\svc`, Password: "s3cret-pass", Auth: AuthNTLM, MaxEnvelopeSize: 512000}}
	notFound := faultBody("w:InvalidSelectors", "2150858843", "The request for the Windows Remote Shell with ShellId X failed because the shell was not found on the server.")
	// The same fault with single-quoted attributes, an entity and a nested provider fault.
	nested := []byte(`<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value>` +
		`<s:Subcode><s:Value>w:InternalError</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=''></s:Text></s:Reason><s:Detail>` +
		`<f:WSManFault xmlns:f='http://schemas.microsoft.com/wbem/wsman/1/wsmanfault' Code='2150859113' Machine='mim01'><f:Message>` +
		`<f:ProviderFault provider='Config provider'>Access &amp; rights denied</f:ProviderFault></f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`)
	tests := []struct {
		name  string
		err   error
		is    error
		wants []string
	}{
		{"401", newHTTPError(401, nil), ErrUnauthorized, []string{`user LAB\svc`, "ntlm", "MIMSyncCredPassword"}},
		{"413", newHTTPError(413, nil), ErrEnvelopeTooLarge, []string{"MaxEnvelopeSizekb 500"}},
		{"EncodingLimit fault", newHTTPError(500, faultBody("w:EncodingLimit", "2150858823", "The envelope size is too small.")), ErrEnvelopeTooLarge,
			[]string{"MaxEnvelopeSizekb 500", "The envelope size is too small."}},
		{"request too large fault", newHTTPError(500, faultBody("w:InternalError", "2150859025", "The request size exceeded the MaxEnvelopeSize quota.")),
			ErrEnvelopeTooLarge, []string{"MaxEnvelopeSize quota"}},
		{"shell not found", newHTTPError(500, notFound), nil,
			[]string{"WS-Management fault w:InvalidSelectors 2150858843: The request for the Windows Remote Shell with ShellId X"}},
		{"nested provider fault", newHTTPError(500, nested), nil, []string{"w:InternalError 2150859113: Access & rights denied"}},
		{"not a fault", newHTTPError(503, []byte("Service Unavailable")), nil, []string{"http error 503: Service Unavailable"}},
		{"NTLM not offered", ErrNTLMNotOffered, ErrNTLMNotOffered, []string{"password was not sent", "Negotiate"}},
		{"other", errors.New("dial tcp: connection refused"), nil, []string{"opening a shell on mim01: dial tcp: connection refused"}},
	}
	for _, tt := range tests {
		err := c.describe("backup.ps1", "opening a shell", tt.err)
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: %v is not %v", tt.name, err, tt.is)
		}
		for _, w := range tt.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tt.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "s3cret-pass") {
			t.Errorf("%s: the password is in the error", tt.name)
		}
	}
}

// masterzen/winrm loops on a Receive error whose text contains
// "OperationTimeout": only the w:TimedOut fault may say it, in whatever
// language the server wrote its reason.
func TestReceiveTimeoutIsToldByCode(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		timeout bool
	}{
		{"English", faultBody("w:TimedOut", "2150858793", "The WS-Management service cannot complete the operation within the time specified in OperationTimeout."), true},
		{"German", faultBody("w:TimedOut", "2150858793", "Der WS-Verwaltungsdienst kann den Vorgang nicht in der angegebenen Zeit abschlie\u00dfen."), true},
		{"subcode only", faultBody("w:TimedOut", "", "timed out"), true},
		{"another fault naming the setting", faultBody("w:InvalidOptions", "2150858795", "The OperationTimeout value is not valid."), false},
		{"shell not found", faultBody("w:InvalidSelectors", "2150858843", "The shell was not found."), false},
	}
	for _, tt := range tests {
		err := newHTTPError(500, tt.body)
		if got := isReceiveTimeout(err); got != tt.timeout {
			t.Errorf("%s: isReceiveTimeout = %v, want %v", tt.name, got, tt.timeout)
		}
		if got := strings.Contains(err.Error(), "OperationTimeout"); got != tt.timeout {
			t.Errorf("%s: %q mentions OperationTimeout: %v, want %v", tt.name, err, got, tt.timeout)
		}
	}
}

// timeoutError is what net/http reports when an answer does not come in time.
type timeoutError struct{}

func (timeoutError) Error() string   { return "timeout awaiting response headers" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// masterzen asks again after a Receive that timed out at the HTTP level;
// after maxSilentReceives of them in a row the run fails instead.
func TestSilentReceivesAreBounded(t *testing.T) {
	silence := &url.Error{Op: "Post", URL: "https://mim01:5986/wsman", Err: timeoutError{}}
	fault := newHTTPError(500, faultBody("w:TimedOut", "2150858793", "no output"))
	tests := []struct {
		name  string
		seq   []error
		fails bool // the last error is no longer a timeout
	}{
		{"one silence", []error{silence}, false},
		{"two silences", []error{silence, silence}, false},
		{"three silences", []error{silence, silence, silence}, true},
		{"an answer in between", []error{silence, silence, nil, silence, silence}, false},
		{"a w:TimedOut answer in between", []error{silence, silence, fault, silence, silence}, false},
	}
	for _, tt := range tests {
		tr := &transport{}
		var last error
		for _, err := range tt.seq {
			last = tr.boundSilence(err)
		}
		// masterzen's own test for "ask again".
		var ue *url.Error
		stillTimeout := (errors.As(last, &ue) && ue.Timeout()) || strings.Contains(fmt.Sprint(last), "OperationTimeout")
		if tt.fails == stillTimeout {
			t.Errorf("%s: last error %v; want a failure: %v", tt.name, last, tt.fails)
		}
		if tt.fails && !strings.Contains(last.Error(), "3 Receive requests in a row") {
			t.Errorf("%s: %q does not say what happened", tt.name, last)
		}
	}
}
