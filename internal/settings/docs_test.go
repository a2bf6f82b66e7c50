package settings

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMarkdownTable(t *testing.T) {
	specs := []Spec{
		{Name: "A", Area: "x", Default: "1", Required: true, Help: "a | b"},
		{Name: "B", Area: "x", Secret: true, Kind: Enum, Allowed: []string{"p", "q"},
			RequiredWhen: []Condition{{Setting: "A", Values: []string{"1", "2"}}}},
	}
	table := MarkdownTable(specs)
	for _, want := range []string{
		"| `A` | x | `1` | yes |  |  | a \\| b |",
		"| `B` | x |  | when A=1\\|2 | yes | one of p, q |  |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestExampleSettings(t *testing.T) {
	var doc struct {
		IsEncrypted bool
		Values      map[string]string
	}
	if err := json.Unmarshal(ExampleSettings(All()), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Values) != len(All())+1 || doc.Values["FUNCTIONS_WORKER_RUNTIME"] != "custom" {
		t.Errorf("values = %v", doc.Values)
	}
	for name, want := range map[string]string{
		"FTPTLS": "explicit", "SPCleanupTargets": "Tasks:Project;Documents:ParentItem",
		"FTPServer": "<host[:port] of the FTP server>", "FTPPassword": "<secret: FTP password (a Key Vault reference)>", "FTPCACert": "",
	} {
		if doc.Values[name] != want {
			t.Errorf("%s = %q, want %q", name, doc.Values[name], want)
		}
	}
	if strings.Contains(string(ExampleSettings(All())), `\u003c`) {
		t.Error("placeholders are HTML-escaped")
	}
}
