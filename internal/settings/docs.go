package settings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// MarkdownTable returns the README's settings table for specs: one row per
// setting with its area, default, whether it is required, whether it is a
// secret, the form of its value and what it is for.
func MarkdownTable(specs []Spec) string {
	var b strings.Builder
	b.WriteString("| setting | area | default | required | secret | value | what |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, s := range specs {
		def := ""
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		secret := ""
		if s.Secret {
			secret = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", s.Name, cell(s.Area), cell(def),
			cell(requirement(s)), secret, cell(s.Describe()), cell(s.Help))
	}
	return b.String()
}

// requirement is the table's "required" cell: yes, when X=a|b, or empty.
func requirement(s Spec) string {
	if s.Required {
		return "yes"
	}
	var conds []string
	for _, c := range s.RequiredWhen {
		conds = append(conds, c.String())
	}
	if len(conds) == 0 {
		return ""
	}
	return "when " + strings.Join(conds, " or ")
}

// cell escapes the characters that would end a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// ExampleSettings returns local.settings.json.example for specs: Core
// Tools' file with FUNCTIONS_WORKER_RUNTIME=custom and one value per
// setting (its example, else its default, else a placeholder saying what
// to put there for a required setting or a secret, else empty).
func ExampleSettings(specs []Spec) []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"IsEncrypted\": false,\n  \"Values\": {\n")
	b.WriteString(`    "FUNCTIONS_WORKER_RUNTIME": "custom"`)
	for _, s := range specs {
		fmt.Fprintf(&b, ",\n    %s: %s", jsonString(s.Name), jsonString(exampleValue(s)))
	}
	b.WriteString("\n  }\n}\n")
	return b.Bytes()
}

func exampleValue(s Spec) string {
	switch {
	case s.Example != "":
		return s.Example
	case s.Default != "":
		return s.Default
	case s.Secret:
		return "<secret: " + s.Help + ">"
	case s.Required:
		return "<" + s.Help + ">"
	}
	return ""
}

// jsonString quotes s for JSON without escaping <, > and &, so placeholders
// stay readable.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
