package infra

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/tenantops/tenantops/internal/settings"
)

// The regions of main.bicep and modules/keyvault.bicep.

// ParamName is the name of the template parameter of a setting: its Param,
// else its name with the leading capitals lowered (MIMSyncServer is
// mimSyncServer, SPSiteUrl is spSiteUrl, EntraDeltaSchedule is
// entraDeltaSchedule).
func ParamName(s settings.Spec) string {
	if s.Param != "" {
		return s.Param
	}
	r := []rune(s.Name)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	if n > 1 && n < len(r) {
		n-- // the last capital starts the next word
	}
	n = max(n, 1)
	return strings.ToLower(string(r[:n])) + string(r[n:])
}

// upperFirst is s with its first letter in upper case.
func upperFirst(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// storeVar is the name of the variable (and of the Key Vault module's
// parameter) that says whether an optional secret was given.
func storeVar(s settings.Spec) string { return "store" + upperFirst(ParamName(s)) }

// secretURI is the Key Vault module's output with a secret's URI.
func secretURI(s settings.Spec) string { return ParamName(s) + "Uri" }

// parameterized returns the settings that are template parameters.
func parameterized(specs []settings.Spec) []settings.Spec {
	var out []settings.Spec
	for _, s := range specs {
		if s.Deploy == settings.DeployParam {
			out = append(out, s)
		}
	}
	return out
}

// secrets returns the secret settings that are template parameters.
func secrets(specs []settings.Spec) []settings.Spec {
	var out []settings.Spec
	for _, s := range parameterized(specs) {
		if s.Secret {
			out = append(out, s)
		}
	}
	return out
}

// bicepString is s as a Bicep string literal.
func bicepString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "${", `\${`, "\n", `\n`).Replace(s) + "'"
}

// paramType is the Bicep type of a setting's parameter.
func paramType(s settings.Spec) string {
	switch s.Kind {
	case settings.Int, settings.Port:
		return "int"
	case settings.Bool:
		return "bool"
	}
	return "string"
}

// paramDefault is the parameter's default as Bicep, or "" for none.
func paramDefault(s settings.Spec) (string, error) {
	switch {
	case s.Secret || s.Required:
		return "", nil
	case paramType(s) == "string":
		return bicepString(s.Default), nil
	case s.Default == "":
		return "", fmt.Errorf("%s: an optional %s setting needs a default in the catalog", s.Name, s.Kind)
	}
	return s.Default, nil
}

// paramDescription is the parameter's @description: the setting's help,
// and what the template does with it.
func paramDescription(s settings.Spec) string {
	d := s.Name + ": " + help(s)
	switch {
	case s.Secret && s.Required:
		d += "; stored in Key Vault, the app setting references it"
	case s.Secret:
		d += "; stored in Key Vault when given (pass an empty string for none)"
	case s.Kind == settings.QueueName:
		d += "; it and its -poison queue are created"
	case s.Kind == settings.ContainerName && s.Default != "":
		d += "; created"
	case s.Kind == settings.ContainerName:
		d += "; created when named"
	case s.Kind == settings.Schedule:
		d += ", in UTC"
	}
	return d + "."
}

// help is a setting's help without what the template says itself.
func help(s settings.Spec) string { return strings.TrimSuffix(s.Help, " (a Key Vault reference)") }

// paramDecorators are the lines above a setting's parameter.
func paramDecorators(s settings.Spec) []string {
	var out []string
	if s.Secret {
		out = append(out, "@secure()")
	}
	out = append(out, "@description("+bicepString(paramDescription(s))+")")
	switch s.Kind {
	case settings.Enum:
		quoted := make([]string, len(s.Allowed))
		for i, v := range s.Allowed {
			quoted[i] = bicepString(v)
		}
		out = append(out, "@allowed(["+strings.Join(quoted, ", ")+"])")
	case settings.Int:
		out = append(out, fmt.Sprintf("@minValue(%d)", s.Min))
		if s.Max > 0 {
			out = append(out, fmt.Sprintf("@maxValue(%d)", s.Max))
		}
	case settings.Port:
		out = append(out, "@minValue(1)", "@maxValue(65535)")
	}
	return out
}

// areaComment returns the "// <area>" line that opens a new area of the
// catalog, or "" while the area stays the same.
func areaComment(prev *string, s settings.Spec, indent string) string {
	if s.Area == *prev {
		return ""
	}
	*prev = s.Area
	return indent + "// " + s.Area + "\n"
}

// settingParams writes one parameter per setting, named after it, with the
// catalog's default.
func settingParams(src Source) (string, error) {
	var b strings.Builder
	area := ""
	for _, s := range parameterized(src.Settings) {
		b.WriteString(areaComment(&area, s, ""))
		for _, d := range paramDecorators(s) {
			b.WriteString(d + "\n")
		}
		def, err := paramDefault(s)
		if err != nil {
			return "", err
		}
		line := "param " + ParamName(s) + " " + paramType(s)
		if def != "" {
			line += " = " + def
		}
		b.WriteString(line + "\n\n")
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// appSettingValue is the Bicep expression main.bicep sets a setting to.
func appSettingValue(s settings.Spec) string {
	p := ParamName(s)
	switch {
	case s.Deploy == settings.DeployIdentity:
		return "identity.properties.clientId"
	case s.Secret && s.Required:
		return "'@Microsoft.KeyVault(SecretUri=${keyVault.outputs." + secretURI(s) + "})'"
	case s.Secret:
		return storeVar(s) + " ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs." + secretURI(s) + "})' : ''"
	case s.Kind == settings.Bool:
		return p + " ? 'true' : 'false'"
	case paramType(s) == "int":
		return "string(" + p + ")"
	}
	return p
}

// appSettings writes the app settings of every setting the template sets.
func appSettings(src Source) (string, error) {
	var b strings.Builder
	area := ""
	first := true
	for _, s := range src.Settings {
		if s.Deploy == settings.DeployTemplate {
			continue
		}
		if c := areaComment(&area, s, "  "); c != "" {
			if !first {
				b.WriteString("\n")
			}
			b.WriteString(c)
		}
		first = false
		b.WriteString("  " + s.Name + ": " + appSettingValue(s) + "\n")
	}
	return b.String(), nil
}

// deploymentVars writes the variables the settings imply: whether each
// optional secret was given, and every queue and blob container to create.
func deploymentVars(src Source) (string, error) {
	var b strings.Builder
	for _, s := range secrets(src.Settings) {
		if !s.Required {
			fmt.Fprintf(&b, "var %s = !empty(%s)\n", storeVar(s), ParamName(s))
		}
	}
	var always, optional, queues []string
	for _, s := range parameterized(src.Settings) {
		p := ParamName(s)
		switch {
		case s.BackupAccount:
			continue
		case s.Kind == settings.QueueName:
			queues = append(queues, "  "+p, "  '${"+p+"}-poison'")
		case s.Kind == settings.ContainerName && (s.Required || s.Default != ""):
			always = append(always, p)
		case s.Kind == settings.ContainerName:
			optional = append(optional, "empty("+p+") ? [] : ["+p+"]")
		}
	}
	b.WriteString("\n// Every blob container tenantops uses on the host account, created up front; optional ones\n// only when named. A backup container is in the backup account instead.\n")
	lists := append([]string{"[" + strings.Join(append([]string{"deploymentContainerName"}, always...), ", ") + "]", "fixedContainerNames"}, optional...)
	b.WriteString("var blobContainerNames = union(" + strings.Join(lists, ", ") + ")\n")
	b.WriteString("\n// Every queue tenantops uses, with the -poison queue the host moves failed messages to.\n")
	b.WriteString("var queueNames = [\n" + strings.Join(queues, "\n") + "\n]\n")
	return b.String(), nil
}

// keyVaultCall writes the secrets main.bicep passes to modules/keyvault.bicep.
func keyVaultCall(src Source) (string, error) {
	var b strings.Builder
	for _, s := range secrets(src.Settings) {
		fmt.Fprintf(&b, "    %s: %s\n", ParamName(s), ParamName(s))
		if !s.Required {
			fmt.Fprintf(&b, "    %s: %s\n", storeVar(s), storeVar(s))
		}
	}
	return b.String(), nil
}

// secretParams writes modules/keyvault.bicep's parameters: one @secure()
// parameter per secret setting, and for an optional one whether to store it.
func secretParams(src Source) (string, error) {
	var b strings.Builder
	for _, s := range secrets(src.Settings) {
		fmt.Fprintf(&b, "@secure()\n@description(%s)\nparam %s string\n\n", bicepString(s.Name+": "+help(s)+"."), ParamName(s))
		if !s.Required {
			fmt.Fprintf(&b, "@description(%s)\nparam %s bool\n\n", bicepString("Store "+ParamName(s)+": true when it is given."), storeVar(s))
		}
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// contentType is the Key Vault content type of a secret setting's value:
// a certificate with its key is PEM (or base64 PFX), the rest plain text.
func contentType(s settings.Spec) string {
	if strings.HasSuffix(s.Name, "Certificate") {
		return "application/x-pem-file"
	}
	return "text/plain"
}

// secretResources writes one Key Vault secret per secret setting, named
// after it, and the output with its unversioned URI.
func secretResources(src Source) (string, error) {
	var res, out strings.Builder
	for _, s := range secrets(src.Settings) {
		p := ParamName(s)
		cond, uri := "", "'${vault.properties.vaultUri}secrets/${"+p+"Secret.name}/'"
		note := ""
		if !s.Required {
			cond = "if (" + storeVar(s) + ") "
			uri = storeVar(s) + " ? '${vault.properties.vaultUri}secrets/" + s.Name + "/' : ''"
			note = ", or empty when none was given"
		}
		fmt.Fprintf(&res, "resource %sSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = %s{\n  parent: vault\n  name: %s\n"+
			"  properties: {\n    value: %s\n    contentType: %s\n  }\n}\n\n", p, cond, bicepString(s.Name), p, bicepString(contentType(s)))
		fmt.Fprintf(&out, "@description(%s)\noutput %s string = %s\n\n", bicepString("Unversioned URI of the "+s.Name+" secret"+note+"."), secretURI(s), uri)
	}
	return res.String() + strings.TrimSuffix(out.String(), "\n"), nil
}
