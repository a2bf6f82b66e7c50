package infra

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// graphIDs are the Microsoft Graph ids the Graph permissions module may name:
// Graph's application id and the two app roles EntraDeltaExport needs.
var graphIDs = map[string]string{
	"00000003-0000-0000-c000-000000000000": "Microsoft Graph (application id)",
	"df021288-bdef-4463-88db-98f22de89214": "User.Read.All",
	"98830695-27a2-44f7-8c18-0c3ebc9698f6": "GroupMember.Read.All",
}

var appRoleAssignment = regexp.MustCompile(`resource\s+(\w+)\s+'Microsoft\.Graph/appRoleAssignedTo@v1\.0'`)

// TestGraphPermissionsAreExactlyTheTwoNeeded: the module grants User.Read.All
// and GroupMember.Read.All on Microsoft Graph's service principal to the
// principal it is given, nothing else; main.bicep calls it only behind
// grantGraphPermissions (default false) with the app's identity.
func TestGraphPermissionsAreExactlyTheTwoNeeded(t *testing.T) {
	code := stripComments(readFile(t, "modules/graphpermissions.bicep"))
	if !regexp.MustCompile(`(?m)^extension\s+microsoftGraphV1\s*$`).MatchString(code) {
		t.Error("graphpermissions.bicep does not use the microsoftGraphV1 extension")
	}
	sp := block(code[strings.Index(code, "'Microsoft.Graph/servicePrincipals@v1.0' existing"):], `=`)
	if e := objectEntries(sp); e["appId"] != "graphAppId" || !strings.Contains(code, "var graphAppId = '00000003-0000-0000-c000-000000000000'") {
		t.Errorf("the Graph service principal is not looked up by Graph's application id: %v", e)
	}
	roles := objectEntries(strings.Trim(variable(code, "appRoleIds"), "{}"))
	granted := map[string]bool{}
	for _, loc := range appRoleAssignment.FindAllStringIndex(code, -1) {
		e := objectEntries(block(code[loc[0]:], `=`))
		if e["principalId"] != "principalId" || e["resourceId"] != "graph.id" {
			t.Errorf("an assignment goes to %s on %s, want principalId on graph.id", e["principalId"], e["resourceId"])
		}
		id, _ := literalValue(roles[strings.TrimPrefix(e["appRoleId"], "appRoleIds.")])
		granted[graphIDs[id]] = true
	}
	if len(granted) != 2 || !granted["User.Read.All"] || !granted["GroupMember.Read.All"] {
		t.Errorf("the module grants %v, want exactly User.Read.All and GroupMember.Read.All", granted)
	}

	tmpl := loadTemplate(t)
	if p := tmpl.Params["grantGraphPermissions"]; p.Type != "bool" || p.DefaultRaw != "false" {
		t.Errorf("grantGraphPermissions is %s = %s, want bool = false", p.Type, p.DefaultRaw)
	}
	main := stripComments(readFile(t, "main.bicep"))
	call := regexp.MustCompile(`module\s+\w+\s+'modules/graphpermissions\.bicep'\s*=\s*if\s*\(\s*grantGraphPermissions\s*\)`).FindStringIndex(main)
	if call == nil {
		t.Fatal("main.bicep does not call modules/graphpermissions.bicep behind if (grantGraphPermissions)")
	}
	if got := objectEntries(block(block(main[call[0]:], `=`), `params\s*:`))["principalId"]; got != "identity.properties.principalId" {
		t.Errorf("the module grants the roles to %s, want identity.properties.principalId", got)
	}
}

// TestBicepConfigNamesTheGraphExtension: the extension alias the module uses
// resolves to Microsoft's published Graph v1.0 extension.
func TestBicepConfigNamesTheGraphExtension(t *testing.T) {
	var cfg struct {
		Extensions map[string]string `json:"extensions"`
	}
	if err := json.Unmarshal([]byte(readFile(t, "bicepconfig.json")), &cfg); err != nil {
		t.Fatalf("bicepconfig.json: %v", err)
	}
	if ref := cfg.Extensions["microsoftGraphV1"]; !strings.HasPrefix(ref, "br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:") {
		t.Errorf("microsoftGraphV1 is %q, want Microsoft's microsoftgraph/v1.0 extension", ref)
	}
}

// TestGuideGrantsTheGraphRolesWithoutBicep: the operator's guide keeps the
// PowerShell alternative to grantGraphPermissions, with both role ids, and
// the management agent's folder parameter.
func TestGuideGrantsTheGraphRolesWithoutBicep(t *testing.T) {
	guide := readFile(t, "../docs/operations.md")
	for _, want := range []string{"New-MgServicePrincipalAppRoleAssignment", "grantGraphPermissions", "Folder=",
		"Use paged import", "Run a Full Import"} {
		if !strings.Contains(guide, want) {
			t.Errorf("docs/operations.md lacks %q", want)
		}
	}
	for id := range graphIDs {
		if !strings.Contains(guide, id) {
			t.Errorf("docs/operations.md lacks the Graph id %s (%s)", id, graphIDs[id])
		}
	}
}
