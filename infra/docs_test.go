package infra

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestDeploymentDocsHaveTheirCommands keeps the README's deployment section and
// the operator's guide from losing the commands operators copy.
func TestDeploymentDocsHaveTheirCommands(t *testing.T) {
	deployment := readmeDeployment(t)
	guide := readFile(t, "../docs/operations.md")
	tests := []struct {
		doc, text, want string
	}{
		{"README", deployment, "az group create"},
		{"README", deployment, "az deployment group what-if"},
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

// readmeDeployment returns the README's "## Deployment" section.
func readmeDeployment(t *testing.T) string {
	t.Helper()
	readme := readFile(t, "../README.md")
	i := strings.Index(readme, "\n## Deployment")
	if i < 0 {
		t.Fatal("README.md has no ## Deployment section")
	}
	deployment := readme[i:]
	if j := strings.Index(deployment[3:], "\n## "); j >= 0 {
		deployment = deployment[:j+3]
	}
	return deployment
}

// undocumentedParams returns the parameters of main.bicep that are not app
// settings (those are explained by the settings table) and that the
// deployment docs never name in backquotes. The generated heartbeat windows
// are explained by one row for them all.
func undocumentedParams(tmpl template, appSettingNames []string, docs string) []string {
	isSetting := map[string]bool{}
	for _, name := range appSettingNames {
		if p, ok := tmpl.boundParam(name); ok {
			isSetting[p.Name] = true
		}
	}
	var missing []string
	for _, name := range sortedKeys(tmpl.Params) {
		heartbeat := strings.HasSuffix(name, "HeartbeatWindow") && strings.Contains(docs, "`<schedule>HeartbeatWindow`")
		if !isSetting[name] && !heartbeat && !strings.Contains(docs, "`"+name+"`") {
			missing = append(missing, name)
		}
	}
	return missing
}

// TestEveryParameterIsExplained: each parameter of main.bicep that is not an
// app setting has its row in the README's deployment section.
func TestEveryParameterIsExplained(t *testing.T) {
	tmpl := loadTemplate(t)
	var names []string
	for _, s := range codeSettings() {
		names = append(names, s.Name)
	}
	for _, name := range undocumentedParams(tmpl, names, readmeDeployment(t)) {
		t.Errorf("main.bicep parameter %s is not explained in the README's Deployment section", name)
	}
	probe := tmpl
	probe.Params = map[string]bicepParam{"probeParameter": {Name: "probeParameter"}}
	if got := undocumentedParams(probe, names, readmeDeployment(t)); len(got) != 1 {
		t.Errorf("an unexplained parameter was not reported: %v", got)
	}
}

// TestExampleParametersDeployNoNetwork: network integration is opt-in; the
// example parameters leave it out, so a copy deployed unedited cannot fail on
// a virtual network that does not exist.
func TestExampleParametersDeployNoNetwork(t *testing.T) {
	for _, m := range bicepparamAssignment.FindAllStringSubmatch(stripComments(readFile(t, "main.bicepparam")), -1) {
		switch m[1] {
		case "vnetName", "vnetResourceGroupName", "integrationSubnetId", "integrationSubnetName", "integrationSubnetPrefix":
			t.Errorf("main.bicepparam sets %s; network integration must stay commented out (opt-in)", m[1])
		}
	}
	example := readFile(t, "main.bicepparam")
	for _, want := range []string{"// param vnetName", "// param integrationSubnetId"} {
		if !strings.Contains(example, want) {
			t.Errorf("main.bicepparam lacks the commented-out %q that shows how to opt in", want)
		}
	}
}

// markdownLink matches a Markdown link's target.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// headingSlug is the anchor GitHub gives a heading: lower case, punctuation
// dropped, spaces as hyphens.
func headingSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the heading anchors of a Markdown document, code blocks aside.
func anchors(doc string) map[string]bool {
	out := map[string]bool{}
	fenced := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if !fenced && strings.HasPrefix(line, "#") {
			out[headingSlug(strings.TrimLeft(line, "#"))] = true
		}
	}
	return out
}

// brokenLinks reports the relative links of the document at path (read as
// doc) whose file or heading does not exist.
func brokenLinks(path, doc string) []string {
	var broken []string
	for _, m := range markdownLink.FindAllStringSubmatch(doc, -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		file, anchor, _ := strings.Cut(target, "#")
		linked := doc
		if file != "" {
			b, err := os.ReadFile(filepath.Join(filepath.Dir(path), file))
			if err != nil {
				broken = append(broken, target+": no such file")
				continue
			}
			linked = string(b)
		}
		if anchor != "" && (file == "" || strings.HasSuffix(file, ".md")) && !anchors(linked)[anchor] {
			broken = append(broken, target+": no such heading")
		}
	}
	return broken
}

// TestDocLinksResolve: every relative link in the README and the guides
// points at a file that exists and, for a Markdown file, a heading it has.
func TestDocLinksResolve(t *testing.T) {
	pages, _ := filepath.Glob("../docs/functions/*.md")
	for _, path := range append([]string{"../README.md", "../docs/operations.md", "../docs/development.md"}, pages...) {
		for _, b := range brokenLinks(path, readFile(t, path)) {
			t.Errorf("%s: broken link %s", path, b)
		}
	}
	if got := brokenLinks("../README.md", "[a](#no-such-heading) [b](docs/missing.md) [c](docs/operations.md#nowhere)"); len(got) != 3 {
		t.Errorf("broken links not all reported: %v", got)
	}
}
