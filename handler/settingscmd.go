package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/tenantops/tenantops/internal/settings"
)

// The README's settings table sits between these markers; `make docs`
// rewrites what is between them.
const (
	tableStart = "<!-- settings table: generated from internal/settings/catalog.go by `make docs`; do not edit by hand -->"
	tableEnd   = "<!-- end of settings table -->"
)

// settingsCommand prints the settings catalog as the README's Markdown
// table or as local.settings.json.example, or with --update writes it into
// that file.
func settingsCommand(args []string) error {
	fs := flag.NewFlagSet("settings", flag.ContinueOnError)
	format := fs.String("format", "markdown", "markdown (the README table) or json (local.settings.json.example)")
	update := fs.String("update", "", "write into this file instead of printing: the README (between its markers) or the example")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	var text string
	switch *format {
	case "markdown", "md":
		text = settings.MarkdownTable(settings.All())
	case "json":
		text = string(settings.ExampleSettings(settings.All()))
	default:
		return usageError{fmt.Errorf("settings: --format %q: want markdown or json", *format)}
	}
	if *update == "" {
		_, err := fmt.Print(text)
		return err
	}
	if *format == "json" {
		return os.WriteFile(*update, []byte(text), 0o644)
	}
	doc, err := os.ReadFile(*update)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	out, err := replaceTable(string(doc), text)
	if err != nil {
		return fmt.Errorf("settings: %s: %w", *update, err)
	}
	return os.WriteFile(*update, []byte(out), 0o644)
}

// replaceTable puts table between the markers of doc.
func replaceTable(doc, table string) (string, error) {
	start := strings.Index(doc, tableStart)
	end := strings.Index(doc, tableEnd)
	if start < 0 || end < start {
		return "", errors.New("no settings table markers (" + tableStart + " … " + tableEnd + ")")
	}
	return doc[:start+len(tableStart)] + "\n" + table + doc[end:], nil
}

// generatedTable returns what is between the markers of doc, or "".
func generatedTable(doc string) string {
	start := strings.Index(doc, tableStart)
	end := strings.Index(doc, tableEnd)
	if start < 0 || end < start {
		return ""
	}
	return strings.TrimPrefix(doc[start+len(tableStart):end], "\n")
}
