package remoteps

import (
	"errors"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	c := &Client{cfg: Config{Host: "mim01", User: `LAB\svc`, Password: "s3cret-pass", Auth: AuthNTLM, MaxEnvelopeSize: 512000}}
	fault := `http error 500: <s:Envelope><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value></s:Subcode></s:Code>` +
		`<s:Reason><s:Text xml:lang="en-US">The request for the Windows Remote Shell with ShellId X failed because the shell was not found on the server. </s:Text></s:Reason>` +
		`<s:Detail><f:WSManFault Code="2150858843" Machine="mim01"/></s:Detail></s:Fault></s:Body></s:Envelope>`
	tests := []struct {
		name  string
		err   error
		is    error
		wants []string
	}{
		{"401", errors.New("http error 401: "), ErrUnauthorized, []string{`user LAB\svc`, "ntlm", "MIMSyncCredPassword"}},
		{"413", errors.New("http error 413: "), ErrEnvelopeTooLarge, []string{"MaxEnvelopeSizekb 500"}},
		{"fault", errors.New(fault), nil, []string{"WS-Management fault w:InvalidSelectors 2150858843: The request for the Windows Remote Shell"}},
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
