package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/settings"
)

// TestBinaryNeverPrintsSecrets runs the built handler with every secret
// setting set and malformed neighbours, sends each function an invocation
// that fails (one carries a secret inside its queue message, which the
// handler logs), and scans everything the process and its answers wrote.
func TestBinaryNeverPrintsSecrets(t *testing.T) {
	secrets := map[string]string{
		settings.MIMSyncCredPassword.Name: "Winrm-Pa55word!",
		settings.FTPPassword.Name:         `ftp"pass\word`,
		settings.SPClientCertificate.Name: "-----BEGIN CERTIFICATE-----\nMIIC+zCCAeOgAwIBAgIJAKsecretcert\n-----END CERTIFICATE-----",
		settings.Storage.Name:             "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=bm90LWEtcmVhbC1rZXktYnV0LXNlY3JldA==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;",
	}
	env := map[string]string{
		settings.MIMSyncServer.Name:    "127.0.0.1",
		settings.MIMSyncCredUser.Name:  `CONTOSO\svc-mim`,
		settings.MIMSyncWinRMPort.Name: "1",
		settings.FTPServer.Name:        "127.0.0.1:1",
		settings.FTPUsername.Name:      "ftp-user",
		settings.SPListTitle.Name:      "Projects",
	}
	for k, v := range secrets {
		env[k] = v
	}
	// SPSiteUrl stays unset: the SharePoint functions then fail on settings
	// before asking any identity endpoint off this machine for a token.
	s := serveBinary(t, env)

	message, _ := json.Marshal(map[string]any{"v": 1, "note": "password " + secrets[settings.FTPPassword.Name], "itemId": 1})
	quoted, _ := json.Marshal(string(message))
	twice, _ := json.Marshal(string(quoted))
	var bodies strings.Builder
	for i, fn := range []string{"MimConfigBackup", "FtpRetrieve", "SharePointChangePoll"} {
		a := post(t, s, fn, `{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{}}`,
			fmt.Sprintf("cccccccc-0000-0000-0000-%012d", i))
		bodies.WriteString(a.Text)
	}
	a := post(t, s, "SharePointCleanup", `{"Data":{"message":`+string(twice)+`},"Metadata":{"DequeueCount":"1"}}`, "cccccccc-0000-0000-0000-000000000009")
	bodies.WriteString(a.Text)
	logLine(t, s, "invocation started", "cccccccc-0000-0000-0000-000000000009")

	everything := s.stdout.String() + s.stderr.String() + bodies.String()
	if !strings.Contains(everything, "<redacted>") {
		t.Fatalf("the queue message's secret was not redacted, or never logged:\n%s", everything)
	}
	for name, secret := range secrets {
		for _, form := range leakForms(secret) {
			if strings.Contains(everything, form) {
				t.Errorf("%s leaked as %q:\n%s", name, form, everything)
			}
		}
	}
}

// leakForms are the ways a secret could show up: raw, JSON-escaped once or
// twice, and each line or key of it.
func leakForms(secret string) []string {
	forms := []string{secret}
	s := secret
	for range 2 {
		b, _ := json.Marshal(s)
		s = string(b[1 : len(b)-1])
		forms = append(forms, s)
	}
	for _, line := range strings.Split(secret, "\n") {
		if strings.Contains(line, "secret") {
			forms = append(forms, line)
		}
	}
	if _, key, ok := strings.Cut(secret, "AccountKey="); ok {
		key, _, _ = strings.Cut(key, ";")
		forms = append(forms, key)
	}
	return forms
}
