package main

import (
	"os"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/settings"
)

// The README's settings table and local.settings.json.example are generated
// from the catalog by `make docs`; these tests fail when either drifts, the
// way the function.json manifest is golden-tested.

func TestReadmeSettingsTableIsGenerated(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	got := generatedTable(string(readme))
	if got == "" {
		t.Fatalf("README.md has no settings table between %q and %q", tableStart, tableEnd)
	}
	if want := settings.MarkdownTable(settings.All()); got != want {
		t.Errorf("README.md's settings table differs from the catalog; run `make docs`.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestLocalSettingsExampleIsGenerated(t *testing.T) {
	got, err := os.ReadFile("../local.settings.json.example")
	if err != nil {
		t.Fatal(err)
	}
	if want := settings.ExampleSettings(settings.All()); string(got) != string(want) {
		t.Errorf("local.settings.json.example differs from the catalog; run `make docs`.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestTableMarksRequiredSettings(t *testing.T) {
	table := settings.MarkdownTable(settings.All())
	for _, want := range []string{
		"| `FTPServer` | FTP |  | yes |",
		"| `FTPTargetDirectory` | FTP |  | when FTPTarget=winrm\\|local |",
		"| `SPSiteUrl` | SharePoint |  | yes |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

func TestReplaceTable(t *testing.T) {
	doc := "intro\n" + tableStart + "\nold rows\n" + tableEnd + "\nrest\n"
	out, err := replaceTable(doc, "| new |\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "intro\n" + tableStart + "\n| new |\n" + tableEnd + "\nrest\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	if _, err := replaceTable("no markers", "x"); err == nil {
		t.Error("a document without markers was accepted")
	}
}
