package infra

import (
	"regexp"
	"strings"
	"testing"
)

// TestEmptyAlertEmailsIsWarned: a deployment without alert receivers says
// so in its warnings output, and tells the app (TenantopsAlertsConfigured),
// whose `handler check` then fails its alerts row.
func TestEmptyAlertEmailsIsWarned(t *testing.T) {
	tmpl := loadTemplate(t)
	if got := strings.TrimSpace(tmpl.AppSettings["TenantopsAlertsConfigured"]); got != "string(!empty(alertEmails))" {
		t.Errorf("TenantopsAlertsConfigured = %q, want string(!empty(alertEmails))", got)
	}
	warning := regexp.MustCompile(`(?s)output warnings array = empty\(alertEmails\) \? \[\s*'alertEmails is empty: [^']+'\s*\] : \[\]`)
	if !warning.MatchString(tmpl.Code) {
		t.Error("main.bicep has no warnings output that names an empty alertEmails")
	}
	readme := readFile(t, "../README.md")
	if !strings.Contains(readme, "`warnings` output") {
		t.Error("the README's deployment section does not tell the operator to read the warnings output")
	}
}
