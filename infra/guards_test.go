package infra

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Security guards: what a reviewer of infra/ must not find.

// keyPatterns are signs of storage keys, SAS or key-based connection strings.
var keyPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)listKeys\s*\(`),
	regexp.MustCompile(`(?i)listAccountSas\s*\(|listServiceSas\s*\(`),
	regexp.MustCompile(`(?i)AccountKey`),
	regexp.MustCompile(`(?i)SharedAccessKey|SharedAccessSignature`),
	regexp.MustCompile(`(?i)DefaultEndpointsProtocol`),
	regexp.MustCompile(`(?i)primaryKey|secondaryKey`),
	regexp.MustCompile(`(?i)connectionStrings\s*:`),
	regexp.MustCompile(`(?i)allowSharedKeyAccess\s*:\s*true`),
}

// keyMaterial reports the lines of src (comments stripped) that match a key pattern.
func keyMaterial(src string) []string {
	var found []string
	for i, line := range strings.Split(stripComments(src), "\n") {
		for _, re := range keyPatterns {
			if re.MatchString(line) {
				found = append(found, fmt.Sprintf("line %d: %s", i+1, strings.TrimSpace(line)))
			}
		}
	}
	return found
}

func TestNoStorageKeysOrKeyBasedConnectionStrings(t *testing.T) {
	for path, src := range bicepFiles(t) {
		for _, f := range keyMaterial(src) {
			t.Errorf("%s %s", path, f)
		}
	}
	storage := stripComments(readFile(t, "modules/storage.bicep"))
	if !regexp.MustCompile(`allowSharedKeyAccess:\s*false`).MatchString(storage) {
		t.Error("storage.bicep does not set allowSharedKeyAccess: false")
	}
}

func TestKeyMaterialGuardFires(t *testing.T) {
	for _, bad := range []string{
		"value: storage.listKeys().keys[0].value",
		"AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${k}'",
		"allowSharedKeyAccess: true",
	} {
		if len(keyMaterial(bad)) == 0 {
			t.Errorf("not reported: %s", bad)
		}
	}
	if got := keyMaterial("// listKeys( in a comment is only a comment"); len(got) != 0 {
		t.Errorf("a comment was reported: %v", got)
	}
}

// secretNamed matches parameter names that hold secrets.
var secretNamed = regexp.MustCompile(`(?i)(password|certificate|secret)$`)

func TestSecretParametersAreSecureWithoutDefaults(t *testing.T) {
	for path, src := range bicepFiles(t) {
		if !strings.HasSuffix(path, ".bicep") {
			continue
		}
		for _, p := range parseParams(stripComments(src)) {
			if p.Secure && p.HasDefault {
				t.Errorf("%s: @secure() parameter %s has a default (%s)", path, p.Name, p.DefaultRaw)
			}
			if p.Type == "string" && secretNamed.MatchString(p.Name) && !p.Secure {
				t.Errorf("%s: parameter %s looks like a secret but is not @secure()", path, p.Name)
			}
		}
	}
}

var bicepparamAssignment = regexp.MustCompile(`(?m)^param\s+(\w+)\s*=\s*(.+)$`)

func TestExampleParametersReadSecretsFromTheEnvironment(t *testing.T) {
	main := loadTemplate(t)
	assigned := map[string]string{}
	for _, m := range bicepparamAssignment.FindAllStringSubmatch(stripComments(readFile(t, "main.bicepparam")), -1) {
		assigned[m[1]] = strings.TrimSpace(m[2])
	}
	for name, value := range assigned {
		p, ok := main.Params[name]
		switch {
		case !ok:
			t.Errorf("main.bicepparam sets %s, which main.bicep does not declare", name)
		case p.Secure && !strings.HasPrefix(value, "readEnvironmentVariable("):
			t.Errorf("main.bicepparam sets the secret %s to %s; read it with readEnvironmentVariable", name, value)
		}
	}
	for _, name := range sortedKeys(main.Params) {
		if _, ok := assigned[name]; !ok && !main.Params[name].HasDefault {
			t.Errorf("main.bicepparam leaves out %s, which main.bicep requires", name)
		}
	}
}

// roleAssignment is one Microsoft.Authorization/roleAssignments resource.
type roleAssignment struct {
	File, Symbol, Body string
}

var roleAssignmentHead = regexp.MustCompile(`resource\s+(\w+)\s+'Microsoft\.Authorization/roleAssignments@[^']+'`)

func roleAssignments(t *testing.T) []roleAssignment {
	var out []roleAssignment
	for path, src := range bicepFiles(t) {
		code := stripComments(src)
		for _, m := range roleAssignmentHead.FindAllStringSubmatchIndex(code, -1) {
			out = append(out, roleAssignment{File: path, Symbol: code[m[2]:m[3]], Body: block(code[m[0]:], `=\s*`)})
		}
	}
	return out
}

// allowedRoles are the only role definitions the identity may hold.
var allowedRoles = map[string]string{
	"ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
	"974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
	"0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
	"3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
	"4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
}

var guidLiteral = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func TestRoleAssignmentsAreGuidNamedAndScoped(t *testing.T) {
	assignments := roleAssignments(t)
	if len(assignments) < len(allowedRoles) {
		t.Errorf("found %d role assignments, want at least one per allowed role (%d)", len(assignments), len(allowedRoles))
	}
	for _, a := range assignments {
		e := objectEntries(a.Body)
		if !strings.HasPrefix(e["name"], "guid(") {
			t.Errorf("%s: role assignment %s is named %q, want guid(...) so redeploys are idempotent", a.File, a.Symbol, e["name"])
		}
		if e["scope"] == "" {
			t.Errorf("%s: role assignment %s has no scope: it would apply to the whole resource group", a.File, a.Symbol)
		}
	}
}

func TestRoleDefinitionsAreExactlyTheFiveAllowed(t *testing.T) {
	used := map[string]bool{}
	for path, src := range bicepFiles(t) {
		for _, id := range guidLiteral.FindAllString(stripComments(src), -1) {
			id = strings.ToLower(id)
			used[id] = true
			if _, ok := allowedRoles[id]; !ok && graphIDs[id] == "" {
				t.Errorf("%s: GUID %s is not one of the allowed role definitions", path, id)
			}
		}
	}
	for id, name := range allowedRoles {
		if !used[id] {
			t.Errorf("role %s (%s) is never assigned", name, id)
		}
	}
	roles := objectEntries(strings.Trim(variable(stripComments(readFile(t, "modules/roles.bicep")), "roleIds"), "{}"))
	assigned := map[string]int{}
	for _, a := range roleAssignments(t) {
		m := regexp.MustCompile(`roleDefinitionId:.*roleIds\.(\w+)`).FindStringSubmatch(a.Body)
		if m == nil {
			t.Errorf("%s: role assignment %s does not take its role from roleIds", a.File, a.Symbol)
			continue
		}
		id, _ := literalValue(roles[m[1]])
		assigned[id]++
	}
	for id, name := range allowedRoles {
		if assigned[id] == 0 {
			t.Errorf("role %s is never assigned through roleIds", name)
		}
	}
}

// publicWinRMRules returns the inbound allow rules in src's securityRules that
// admit WinRM (5985/5986, or any port) from the internet or from anywhere.
func publicWinRMRules(src string) []string {
	code := stripComments(src)
	var bad []string
	for _, rules := range arrays(code, `securityRules\s*:`) {
		for _, rule := range topLevelObjects(rules) {
			props := objectEntries(rule)
			if p := block(rule, `properties\s*:`); p != "" {
				props = objectEntries(p)
			}
			values := func(keys ...string) []string {
				var out []string
				for _, k := range keys {
					for _, v := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(props[k]+" "+arrayText(rule, k), -1) {
						out = append(out, v[1])
					}
				}
				return out
			}
			if !strings.EqualFold(first(values("direction")), "Inbound") || !strings.EqualFold(first(values("access")), "Allow") {
				continue
			}
			public := false
			for _, s := range values("sourceAddressPrefix", "sourceAddressPrefixes") {
				switch strings.ToLower(s) {
				case "*", "internet", "0.0.0.0/0", "any", "::/0":
					public = true
				}
			}
			winrm := false
			for _, r := range values("destinationPortRange", "destinationPortRanges") {
				winrm = winrm || portRangeCovers(r, 5985) || portRangeCovers(r, 5986)
			}
			if public && winrm {
				bad = append(bad, strings.Join(strings.Fields(rule), " "))
			}
		}
	}
	return bad
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// portRangeCovers reports whether an NSG port range ("*", "5986", "5000-6000") covers port.
func portRangeCovers(r string, port int) bool {
	r = strings.TrimSpace(r)
	if r == "*" {
		return true
	}
	lo, hi, isRange := strings.Cut(r, "-")
	if !isRange {
		hi = lo
	}
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	return err1 == nil && err2 == nil && a <= port && port <= b
}

// arrays returns the bodies of every array whose head matches the regular expression.
func arrays(src, head string) []string {
	var out []string
	for _, loc := range regexp.MustCompile(head).FindAllStringIndex(src, -1) {
		open := strings.IndexByte(src[loc[0]:], '[')
		if open < 0 {
			continue
		}
		open += loc[0]
		if end := matching(src, open, '[', ']'); end > 0 {
			out = append(out, src[open+1:end])
		}
	}
	return out
}

// arrayText returns the text of the array value of key in an object body, or "".
func arrayText(obj, key string) string {
	a := arrays(obj, `\b`+key+`\s*:\s*\[`)
	return strings.Join(a, " ")
}

// topLevelObjects splits an array body into its top-level object bodies.
func topLevelObjects(array string) []string {
	var out []string
	for i := 0; i < len(array); i++ {
		if array[i] == '{' {
			end := matching(array, i, '{', '}')
			if end < 0 {
				break
			}
			out = append(out, array[i+1:end])
			i = end
		}
	}
	return out
}

func TestNoPublicWinRMPort(t *testing.T) {
	for path, src := range bicepFiles(t) {
		for _, r := range publicWinRMRules(src) {
			t.Errorf("%s: NSG rule opens WinRM to the internet: %s", path, r)
		}
		code := stripComments(src)
		if strings.Contains(code, "Microsoft.Network/publicIPAddresses") || strings.Contains(code, "Microsoft.Network/loadBalancers") {
			t.Errorf("%s: creates a public IP or load balancer; tenantops reaches the MIM server privately", path)
		}
		if strings.Contains(code, "5985") {
			t.Errorf("%s: mentions 5985, WinRM over plain HTTP", path)
		}
	}
}

func TestPublicWinRMGuardFires(t *testing.T) {
	rule := func(source, port string) string {
		return fmt.Sprintf(`securityRules: [
  {
    name: 'winrm'
    properties: {
      direction: 'Inbound'
      access: 'Allow'
      protocol: 'Tcp'
      sourceAddressPrefix: '%s'
      sourcePortRange: '*'
      destinationAddressPrefix: '*'
      destinationPortRange: '%s'
      priority: 100
    }
  }
]`, source, port)
	}
	tests := []struct {
		name, src string
		public    bool
	}{
		{"internet to 5986", rule("Internet", "5986"), true},
		{"anywhere to 5985", rule("*", "5985"), true},
		{"anywhere to a range with 5986", rule("0.0.0.0/0", "5000-6000"), true},
		{"anywhere to any port", rule("*", "*"), true},
		{"integration subnet to 5986", rule("10.20.8.0/27", "5986"), false},
		{"internet to 443", rule("Internet", "443"), false},
		{"no rules", "securityRules: []", false},
		{"prefix list with the internet", strings.Replace(rule("x", "5986"), "sourceAddressPrefix: 'x'", "sourceAddressPrefixes: [\n'10.0.0.0/8'\n'Internet'\n]", 1), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(publicWinRMRules(tc.src)) > 0; got != tc.public {
				t.Errorf("reported %v, want %v", got, tc.public)
			}
		})
	}
}

// flexForbidden are app settings that Flex Consumption rejects or ignores, or that
// would turn storage back to keys.
var flexForbidden = []string{
	"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_TIME_ZONE", "TZ",
	"WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE",
	"WEBSITE_NODE_DEFAULT_VERSION", "AzureWebJobsStorage",
}

// descriptionLine is a parameter's @description: text for the deployer,
// which may name a setting the template leaves out.
var descriptionLine = regexp.MustCompile(`(?m)^\s*@description\(.*$`)

func TestNoSettingFlexForbids(t *testing.T) {
	tmpl := loadTemplate(t)
	for _, name := range flexForbidden {
		if _, set := tmpl.AppSettings[name]; set {
			t.Errorf("main.bicep sets %s, which Flex Consumption does not allow", name)
		}
	}
	for path, src := range bicepFiles(t) {
		code := descriptionLine.ReplaceAllString(stripComments(src), "")
		for _, name := range flexForbidden[:len(flexForbidden)-1] {
			if regexp.MustCompile(`\b` + name + `\b`).MatchString(code) {
				t.Errorf("%s: mentions %s outside comments", path, name)
			}
		}
		if regexp.MustCompile(`(?i)linuxFxVersion|alwaysOn|use32BitWorkerProcess`).MatchString(code) {
			t.Errorf("%s: sets a site property Flex Consumption does not use", path)
		}
	}
}

// apiVersions are the API versions the templates use, per resource type.
var apiVersions = map[string]string{
	"Microsoft.Web/serverfarms":                                 "2024-04-01",
	"Microsoft.Web/sites":                                       "2024-04-01",
	"Microsoft.Web/sites/config":                                "2024-04-01",
	"Microsoft.Storage/storageAccounts":                         "2023-05-01",
	"Microsoft.Storage/storageAccounts/blobServices":            "2023-05-01",
	"Microsoft.Storage/storageAccounts/blobServices/containers": "2023-05-01",
	"Microsoft.Storage/storageAccounts/queueServices":           "2023-05-01",
	"Microsoft.Storage/storageAccounts/queueServices/queues":    "2023-05-01",
	"Microsoft.Storage/storageAccounts/managementPolicies":      "2023-05-01",
	"Microsoft.KeyVault/vaults":                                 "2023-07-01",
	"Microsoft.KeyVault/vaults/secrets":                         "2023-07-01",
	"Microsoft.ManagedIdentity/userAssignedIdentities":          "2023-01-31",
	"Microsoft.Authorization/roleAssignments":                   "2022-04-01",
	"Microsoft.Insights/components":                             "2020-02-02",
	"Microsoft.Insights/actionGroups":                           "2023-01-01",
	"Microsoft.Insights/scheduledQueryRules":                    "2023-12-01",
	"Microsoft.OperationalInsights/workspaces":                  "2023-09-01",
	"Microsoft.Network/virtualNetworks":                         "2024-05-01",
	"Microsoft.Network/virtualNetworks/subnets":                 "2024-05-01",
	"Microsoft.Network/networkSecurityGroups":                   "2024-05-01",
	"Microsoft.Graph/servicePrincipals":                         "v1.0",
	"Microsoft.Graph/appRoleAssignedTo":                         "v1.0",
}

var resourceType = regexp.MustCompile(`resource\s+\w+\s+'([^'@]+)@([^']+)'`)

func TestResourceTypesUseKnownAPIVersions(t *testing.T) {
	for path, src := range bicepFiles(t) {
		for _, m := range resourceType.FindAllStringSubmatch(stripComments(src), -1) {
			want, known := apiVersions[m[1]]
			switch {
			case !known:
				t.Errorf("%s: resource type %s is not one this template is meant to create", path, m[1])
			case m[2] != want:
				t.Errorf("%s: %s@%s, want API version %s", path, m[1], m[2], want)
			}
		}
	}
}

// TestFlexConsumptionShape checks the properties that make the app a Flex
// Consumption custom handler using its identity for everything.
func TestFlexConsumptionShape(t *testing.T) {
	want := map[string][]string{
		"modules/functionapp.bicep": {
			`name: 'FC1'`, `tier: 'FlexConsumption'`, `reserved: true`, `kind: 'functionapp,linux'`,
			`type: 'UserAssigned'`, `type: 'blobContainer'`, `type: 'UserAssignedIdentity'`,
			`userAssignedIdentityResourceId: identityId`, `keyVaultReferenceIdentity: identityId`,
			`name: 'custom'`, `version: '1.0'`, `instanceMemoryMB: instanceMemoryMB`,
			`maximumInstanceCount: maximumInstanceCount`, `virtualNetworkSubnetId:`, `httpsOnly: true`,
		},
		"modules/keyvault.bicep": {
			`enableRbacAuthorization: true`, `enableSoftDelete: true`, `enablePurgeProtection: true`,
		},
		"modules/monitoring.bicep": {`DisableLocalAuth: true`, `WorkspaceResourceId: workspace.id`},
		"modules/network.bicep":    {`serviceName: 'Microsoft.App/environments'`},
		"main.bicep": {
			`AzureWebJobsStorage__credential: 'managedidentity'`,
			`AzureWebJobsStorage__clientId: identity.properties.clientId`,
			`APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'`,
		},
	}
	files := bicepFiles(t)
	for _, path := range sortedKeys(want) {
		code := stripComments(files[path])
		for _, w := range want[path] {
			if !strings.Contains(code, w) {
				t.Errorf("%s: missing %s", path, w)
			}
		}
	}
	subnet := loadTemplate(t).Params["integrationSubnetName"]
	if strings.Contains(subnet.Default, "_") || !subnet.Literal {
		t.Errorf("integrationSubnetName defaults to %s; Flex needs a literal name without underscores", subnet.DefaultRaw)
	}
}

var moduleCall = regexp.MustCompile(`(?m)^module\s+(\w+)\s+'([^']+)'`)

// TestModulesAreCalledWithTheirParameters stands in for the compiler: every
// module file exists, gets only parameters it declares, and every parameter
// without a default.
func TestModulesAreCalledWithTheirParameters(t *testing.T) {
	files := bicepFiles(t)
	code := stripComments(files["main.bicep"])
	calls := moduleCall.FindAllStringSubmatchIndex(code, -1)
	if len(calls) == 0 {
		t.Fatal("main.bicep calls no module")
	}
	for _, c := range calls {
		symbol, path := code[c[2]:c[3]], code[c[4]:c[5]]
		src, ok := files[path]
		if !ok {
			t.Errorf("module %s: %s does not exist", symbol, path)
			continue
		}
		declared := parseParams(stripComments(src))
		passed := objectEntries(block(block(code[c[0]:], `=`), `params\s*:`))
		for _, name := range sortedKeys(passed) {
			if _, ok := declared[name]; !ok {
				t.Errorf("module %s: passes %s, which %s does not declare", symbol, name, path)
			}
		}
		var missing []string
		for name, p := range declared {
			if _, ok := passed[name]; !ok && !p.HasDefault {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("module %s: %s requires %s", symbol, path, strings.Join(missing, ", "))
		}
	}
}
