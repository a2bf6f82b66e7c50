package infra

import (
	"regexp"
	"testing"
)

var secretResource = regexp.MustCompile(`'Microsoft\.KeyVault/vaults/secrets@[^']+'`)

// TestKeyVaultHoldsEverySecretSetting: each secret setting that main.bicep sets
// as a Key Vault reference has a secret of the same name in keyvault.bicep.
func TestKeyVaultHoldsEverySecretSetting(t *testing.T) {
	code := stripComments(readFile(t, "modules/keyvault.bicep"))
	names := map[string]bool{}
	for _, loc := range secretResource.FindAllStringIndex(code, -1) {
		if n, ok := literalValue(objectEntries(block(code[loc[0]:], `=`))["name"]); ok {
			names[n] = true
		}
	}
	tmpl := loadTemplate(t)
	for _, s := range codeSettings() {
		if _, set := tmpl.AppSettings[s.Name]; set && s.Secret && !names[s.Name] {
			t.Errorf("%s: a secret setting, but keyvault.bicep creates no secret named %s", s.Name, s.Name)
		}
	}
	if len(names) == 0 {
		t.Error("keyvault.bicep creates no secrets")
	}
}
