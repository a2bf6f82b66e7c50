package infra

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/settings"
)

// template is main.bicep as the drift checks see it.
type template struct {
	Raw         string                // with comments (the optional-setting block is a comment)
	Code        string                // without comments
	Params      map[string]bicepParam // by name
	AppSettings map[string]string     // app setting name -> value expression
	Optional    map[string]string     // setting name -> why it is left unset
}

// optionalSettingLine is one line of main.bicep's block of settings left unset on purpose.
var optionalSettingLine = regexp.MustCompile(`(?m)^//\s*optional-setting\s+([A-Za-z0-9_]+)\s*:\s*(.*)$`)

// parseTemplate reads main.bicep's text.
func parseTemplate(raw string) template {
	code := stripComments(raw)
	t := template{
		Raw:         raw,
		Code:        code,
		Params:      parseParams(code),
		AppSettings: objectEntries(block(code, `(?m)^var appSettings\s*=\s*\{`)),
		Optional:    map[string]string{},
	}
	for _, m := range optionalSettingLine.FindAllStringSubmatch(raw, -1) {
		t.Optional[m[1]] = strings.TrimSpace(m[2])
	}
	return t
}

// boundParam returns the parameter named after a setting (case-insensitively:
// MIMSyncServer -> mimSyncServer).
func (t template) boundParam(setting string) (bicepParam, bool) {
	for name, p := range t.Params {
		if strings.EqualFold(name, setting) {
			return p, true
		}
	}
	return bicepParam{}, false
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

func loadTemplate(t *testing.T) template {
	t.Helper()
	return parseTemplate(readFile(t, "main.bicep"))
}

// bicepFiles returns every .bicep and .bicepparam file under infra/, by path.
func bicepFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".bicep") || strings.HasSuffix(path, ".bicepparam")) {
			files[path] = readFile(t, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d Bicep files under infra/, want main.bicep and its modules", len(files))
	}
	return files
}

// sortedKeys returns a map's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// codeSettings returns every setting the code declares: the catalog, plus any
// spec a function declaration lists (in case one is missing from the catalog).
func codeSettings() []settings.Spec {
	specs := settings.All()
	seen := map[string]bool{}
	for _, s := range specs {
		seen[s.Name] = true
	}
	for _, d := range functions.All() {
		for _, s := range d.Settings {
			if !seen[s.Name] {
				seen[s.Name] = true
				specs = append(specs, s)
			}
		}
	}
	return specs
}

// localSettingsNames returns the names under "Values" in local.settings.json.example.
func localSettingsNames(src string) (map[string]bool, error) {
	var doc struct {
		Values map[string]json.RawMessage `json:"Values"`
	}
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for k := range doc.Values {
		names[k] = true
	}
	return names, nil
}

// readmeRow is one row of the README's settings table.
type readmeRow struct{ Default string }

var readmeSettingRow = regexp.MustCompile("^\\|\\s*`([A-Za-z0-9_]+)`\\s*\\|[^|]*\\|\\s*(.*?)\\s*\\|")

// readmeSettings returns the rows of the table in the README's "## Settings" section, by name.
func readmeSettings(readme string) map[string]readmeRow {
	rows := map[string]readmeRow{}
	section := readme
	if i := strings.Index(section, "\n## Settings"); i >= 0 {
		section = section[i+1:]
		if j := strings.Index(section[3:], "\n## "); j >= 0 {
			section = section[:j+3]
		}
	}
	for _, line := range strings.Split(section, "\n") {
		if m := readmeSettingRow.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			rows[m[1]] = readmeRow{Default: strings.Trim(m[2], "`")}
		}
	}
	return rows
}
