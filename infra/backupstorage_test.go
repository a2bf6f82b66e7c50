package infra

import (
	"strings"
	"testing"
)

// TestBackupAccountKeepsBackups: the backup account's properties that keep
// a backup through the loss of the app, of a region or of an attacker's
// delete.
func TestBackupAccountKeepsBackups(t *testing.T) {
	code := stripComments(readFile(t, "modules/backupstorage.bicep"))
	params := parseParams(code)
	if p := params["redundancy"]; p.Default != "Standard_GRS" {
		t.Errorf("redundancy defaults to %s, want Standard_GRS", p.DefaultRaw)
	}
	if p := params["softDeleteDays"]; p.Default != "30" || !strings.Contains(code, "@minValue(30)\n@maxValue(365)\nparam softDeleteDays") {
		t.Errorf("softDeleteDays defaults to %s or may go below 30", p.DefaultRaw)
	}
	if p := params["lockPolicy"]; p.Default != "false" {
		t.Errorf("lockPolicy defaults to %s, want false (locking is irreversible)", p.DefaultRaw)
	}
	for _, want := range []string{
		"allowSharedKeyAccess: false", "minimumTlsVersion: 'TLS1_2'", "allowBlobPublicAccess: false",
		"name: redundancy", "isVersioningEnabled: true",
		"deleteRetentionPolicy: {\n      enabled: true\n      days: softDeleteDays",
		"containerDeleteRetentionPolicy: {\n      enabled: true\n      days: softDeleteDays",
		"immutabilityPeriodSinceCreationInDays: immutabilityDays", "state: lockPolicy ? 'Locked' : 'Unlocked'",
		"daysAfterCreationGreaterThan: max(deleteAfterDays, immutabilityDays)",
	} {
		if !strings.Contains(code, want) {
			t.Errorf("backupstorage.bicep lacks %q", want)
		}
	}
	call := objectEntries(block(block(loadTemplate(t).Code, `(?m)^module backupStorage 'modules/backupstorage\.bicep'`), `params:`))
	for key, want := range map[string]string{
		"immutabilityDays": "mimBackupImmutabilityDays", "deleteAfterDays": "mimBackupRetentionDays",
		"lockPolicy": "lockBackupImmutabilityPolicy", "redundancy": "backupStorageRedundancy",
	} {
		if call[key] != want {
			t.Errorf("main.bicep passes %s: %q to backupstorage.bicep, want %s", key, call[key], want)
		}
	}
	if p := loadTemplate(t).Params["mimBackupImmutabilityDays"]; !strings.Contains(p.DefaultRaw, "mimBackupRetentionDays") {
		t.Errorf("mimBackupImmutabilityDays defaults to %s, want the retention", p.DefaultRaw)
	}
}

// TestStorageFirewallsCloseOnTheIntegrationSubnet: with the subnet the
// template creates (which gets the Microsoft.Storage service endpoint), both
// accounts deny every network but it and the given IP ranges.
func TestStorageFirewallsCloseOnTheIntegrationSubnet(t *testing.T) {
	tmpl := loadTemplate(t)
	if got := variable(tmpl.Code, "storageFirewallSubnetId"); !strings.HasPrefix(got, "createSubnet ? network.outputs.subnetId") {
		t.Errorf("storageFirewallSubnetId = %s, want the created subnet first", got)
	}
	for _, module := range []string{`(?m)^module storage 'modules/storage\.bicep'`, `(?m)^module backupStorage 'modules/backupstorage\.bicep'`} {
		call := objectEntries(block(block(tmpl.Code, module), `params:`))
		if call["allowedSubnetId"] != "storageFirewallSubnetId" || call["allowedIpRanges"] != "storageAllowedIpRanges" {
			t.Errorf("%s is called with allowedSubnetId %q, allowedIpRanges %q", module, call["allowedSubnetId"], call["allowedIpRanges"])
		}
	}
	for _, file := range []string{"modules/storage.bicep", "modules/backupstorage.bicep"} {
		code := stripComments(readFile(t, file))
		for _, want := range []string{"var firewallClosed = !empty(allowedSubnetId)", "networkAcls: firewallClosed",
			"defaultAction: 'Deny'", "id: allowedSubnetId", "map(allowedIpRanges,"} {
			if !strings.Contains(code, want) {
				t.Errorf("%s lacks %q", file, want)
			}
		}
	}
	if !strings.Contains(stripComments(readFile(t, "modules/network.bicep")), "service: 'Microsoft.Storage'") {
		t.Error("the created integration subnet has no Microsoft.Storage service endpoint: the closed firewalls would shut the app out")
	}
}
