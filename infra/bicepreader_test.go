package infra

import (
	"reflect"
	"sort"
	"testing"
)

// Tests of the Bicep reader itself, so the drift checks stand on something tested.

func TestLiteralValue(t *testing.T) {
	tests := []struct {
		expr, want string
		literal    bool
	}{
		{`'sp-deleted-items'`, "sp-deleted-items", true},
		{`'C:\\Backup'`, `C:\Backup`, true},
		{`'it\'s'`, "it's", true},
		{`'{yyyy-MM-dd}'`, "{yyyy-MM-dd}", true},
		{`'\${not}'`, "${not}", true},
		{`5986`, "5986", true},
		{`false`, "false", true},
		{`''`, "", true},
		{`'${baseName}-x'`, "", false},
		{`resourceGroup().location`, "", false},
		{`'a' == 'b'`, "", false},
	}
	for _, tc := range tests {
		got, ok := literalValue(tc.expr)
		if got != tc.want || ok != tc.literal {
			t.Errorf("literalValue(%s) = %q, %v; want %q, %v", tc.expr, got, ok, tc.want, tc.literal)
		}
	}
}

func TestIdentifiers(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`mimSyncServer`, []string{"mimSyncServer"}},
		{`string(ftpMaxConnections)`, []string{"ftpMaxConnections", "string"}},
		{`'${spCleanupQueue}-poison'`, []string{"spCleanupQueue"}},
		{`'@Microsoft.KeyVault(SecretUri=${keyVault.outputs.ftpCredUri})'`, []string{"keyVault"}},
		{`flag ? 'true' : 'false'`, []string{"flag"}},
		{`'plain text with words'`, nil},
	}
	for _, tc := range tests {
		var got []string
		for id := range identifiers(tc.expr) {
			got = append(got, id)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("identifiers(%s) = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestStripCommentsKeepsStrings(t *testing.T) {
	src := "param a string = 'https://x/y' // note\n/* block\ncomment */var b = 'it\\'s // not a comment'\n"
	want := "param a string = 'https://x/y' \n\nvar b = 'it\\'s // not a comment'\n"
	if got := stripComments(src); got != want {
		t.Errorf("stripComments:\n got %q\nwant %q", got, want)
	}
}

func TestParseParams(t *testing.T) {
	src := stripComments(`@description('x')
param port int = 5986
@secure()
@description('the password')
param password string
param name string = '${base}-app'
param plain string
`)
	got := parseParams(src)
	want := map[string]bicepParam{
		"port":     {Name: "port", Type: "int", HasDefault: true, DefaultRaw: "5986", Default: "5986", Literal: true},
		"password": {Name: "password", Type: "string", Secure: true},
		"name":     {Name: "name", Type: "string", HasDefault: true, DefaultRaw: "'${base}-app'"},
		"plain":    {Name: "plain", Type: "string"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseParams:\n got %+v\nwant %+v", got, want)
	}
}

func TestObjectEntriesAndVariable(t *testing.T) {
	src := "var appSettings = {\n  A: a\n  // c\n  B: {\n    C: c\n  }\n  'D': '${d}'\n}\nvar list = [\n  x\n  '${x}-poison'\n]\nvar one = union([a], b)\n"
	got := objectEntries(block(stripComments(src), `var appSettings\s*=`))
	want := map[string]string{"A": "a", "B": "{", "D": "'${d}'"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("objectEntries = %v, want %v", got, want)
	}
	if v := variable(src, "list"); v != "[\n  x\n  '${x}-poison'\n]" {
		t.Errorf("variable(list) = %q", v)
	}
	if v := variable(src, "one"); v != "union([a], b)" {
		t.Errorf("variable(one) = %q", v)
	}
}
