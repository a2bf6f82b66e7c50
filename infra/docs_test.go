package infra

import (
	"os"
	"strings"
	"testing"
)

// TestDeploymentDocsHaveTheirCommands keeps the README's deployment section and
// the operator's guide from losing the commands operators copy.
func TestDeploymentDocsHaveTheirCommands(t *testing.T) {
	readme := readFile(t, "../README.md")
	i := strings.Index(readme, "\n## Deployment")
	if i < 0 {
		t.Fatal("README.md has no ## Deployment section")
	}
	deployment := readme[i:]
	if j := strings.Index(deployment[3:], "\n## "); j >= 0 {
		deployment = deployment[:j+3]
	}
	guide := readFile(t, "../docs/operations.md")
	tests := []struct {
		doc, text, want string
	}{
		{"README", deployment, "az group create"},
		{"README", deployment, "-f infra/main.bicep -p infra/main.bicepparam"},
		{"README", deployment, "make package"},
		{"README", deployment, "az functionapp deployment source config-zip"},
		{"README", deployment, "docs/operations.md"},
		{"README", deployment, "Sites.Selected"},
		{"README", deployment, "5986"},
		{"guide", guide, "winrm create winrm/config/Listener?Address=*+Transport=HTTPS"},
		{"guide", guide, "MIMSyncWinRMCACert"},
		{"guide", guide, "/permissions"},
		{"guide", guide, "/admin/functions/"},
		{"guide", guide, "handler run"},
		{"guide", guide, "-poison"},
		{"guide", guide, "az keyvault secret set"},
		{"guide", guide, "WEBSITE_TIME_ZONE"},
	}
	for _, tc := range tests {
		if !strings.Contains(tc.text, tc.want) {
			t.Errorf("%s lacks %q", tc.doc, tc.want)
		}
	}
	if _, err := os.Stat("main.bicepparam"); err != nil {
		t.Errorf("the README deploys with infra/main.bicepparam: %v", err)
	}
}
