package infra

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/settings"
)

// Queues and containers: every one the code uses must be created by main.bicep
// up front (through storage.bicep), named by the parameter of the setting that
// names it, so a changed name or default in the code cannot leave the app
// without its queue or container. make docs writes those lists from the
// settings' kinds; these checks hold the generator to it.

// queueSettings returns the settings that name a queue: their kind says so.
func queueSettings(specs []settings.Spec) []settings.Spec { return ofKind(specs, settings.QueueName) }

// containerSettings returns the settings that name a blob container.
func containerSettings(specs []settings.Spec) []settings.Spec {
	return ofKind(specs, settings.ContainerName)
}

func ofKind(specs []settings.Spec, kind settings.Kind) []settings.Spec {
	var out []settings.Spec
	for _, s := range specs {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// TestEveryQueueTriggerIsAQueueSetting: a queue binding's %Setting% is a
// setting of kind QueueName, so the template creates its queue.
func TestEveryQueueTriggerIsAQueueSetting(t *testing.T) {
	for _, d := range functions.All() {
		for _, b := range d.Bindings() {
			if b.QueueName == "" {
				continue
			}
			s, ok := settings.ByName(strings.Trim(b.QueueName, "%"))
			if !ok || s.Kind != settings.QueueName {
				t.Errorf("%s: binding %s names queue %s, which is not a catalog setting of kind QueueName", d.Name, b.Name, b.QueueName)
			}
		}
	}
}

// createdStorage reports the queue and container settings whose parameter does
// not feed main.bicep's queueNames / blobContainerNames (and a queue's -poison
// companion), or, for the backup container, backupContainerName.
func createdStorage(queues, containers []settings.Spec, t template) []string {
	queueNames := variable(t.Code, "queueNames")
	containerNames := variable(t.Code, "blobContainerNames") + " " + variable(t.Code, "backupContainerName")
	var problems []string
	check := func(s settings.Spec, expr, what string) (bicepParam, bool) {
		p, ok := t.boundParam(s.Name)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: names a %s, but main.bicep has no parameter named after it", s.Name, what))
			return p, false
		}
		if !identifiers(expr)[p.Name] {
			problems = append(problems, fmt.Sprintf("%s: names a %s, but main.bicep does not create it (%s is not in %s)", s.Name, what, p.Name, expr))
			return p, false
		}
		return p, true
	}
	for _, s := range queues {
		if p, ok := check(s, queueNames, "queue"); ok && !strings.Contains(queueNames, "'${"+p.Name+"}-poison'") {
			problems = append(problems, fmt.Sprintf("%s: main.bicep does not create its -poison queue", s.Name))
		}
	}
	for _, s := range containers {
		check(s, containerNames, "blob container")
	}
	return problems
}

// storageModuleCreatesLists reports when main.bicep does not pass its lists to
// storage.bicep, or storage.bicep does not create one resource per entry.
func storageModuleCreatesLists(mainCode, storageCode string) []string {
	var problems []string
	call := objectEntries(block(block(mainCode, `(?m)^module storage 'modules/storage\.bicep'`), `params:`))
	if call["queueNames"] != "queueNames" || !identifiers(call["containerNames"])["blobContainerNames"] {
		problems = append(problems, fmt.Sprintf("main.bicep passes queueNames=%q containerNames=%q to storage.bicep, want queueNames and blobContainerNames", call["queueNames"], call["containerNames"]))
	}
	backup := objectEntries(block(block(mainCode, `(?m)^module backupStorage 'modules/backupstorage\.bicep'`), `params:`))
	if backup["containerName"] != "backupContainerName" {
		problems = append(problems, fmt.Sprintf("main.bicep passes containerName=%q to backupstorage.bicep, want backupContainerName", backup["containerName"]))
	}
	for _, want := range []string{
		`'Microsoft\.Storage/storageAccounts/queueServices/queues@[^']+'\s*=\s*\[\s*for (\w+) in queueNames:`,
		`'Microsoft\.Storage/storageAccounts/blobServices/containers@[^']+'\s*=\s*\[\s*for (\w+) in containerNames:`,
	} {
		if !regexp.MustCompile(want).MatchString(storageCode) {
			problems = append(problems, "storage.bicep has no resource loop matching "+want)
		}
	}
	return problems
}

func TestEveryQueueAndContainerIsCreated(t *testing.T) {
	specs := codeSettings()
	queues, containers := queueSettings(specs), containerSettings(specs)
	if len(queues) == 0 || len(containers) == 0 {
		t.Fatalf("found %d queue and %d container settings in the code; the derivation is broken", len(queues), len(containers))
	}
	reportAll(t, createdStorage(queues, containers, loadTemplate(t)))
	reportAll(t, storageModuleCreatesLists(loadTemplate(t).Code, stripComments(readFile(t, "modules/storage.bicep"))))
}

func TestStorageCheckReportsAQueueOrContainerAddedOnlyToTheCode(t *testing.T) {
	tmpl := loadTemplate(t)
	for _, probe := range []settings.Spec{
		{Name: "DriftProbeQueue", Kind: settings.QueueName, Default: "probe-items"},
		{Name: "DriftProbeContainer", Kind: settings.ContainerName, Default: "probe-state"},
	} {
		t.Run(probe.Name, func(t *testing.T) {
			specs := append(codeSettings(), probe)
			if !mentions(createdStorage(queueSettings(specs), containerSettings(specs), tmpl), probe.Name) {
				t.Errorf("%s, named only in the code, was not reported", probe.Name)
			}
		})
	}
}

// TestRolesCoverEveryQueueAndContainer: the identity's blob and queue roles
// are scoped to the very lists storage.bicep creates, so a queue or
// container added to main.bicep gets its role with it.
func TestRolesCoverEveryQueueAndContainer(t *testing.T) {
	code := loadTemplate(t).Code
	created := objectEntries(block(block(code, `(?m)^module storage 'modules/storage\.bicep'`), `params:`))
	granted := objectEntries(block(block(code, `(?m)^module roles 'modules/roles\.bicep'`), `params:`))
	for _, list := range []string{"containerNames", "queueNames"} {
		if created[list] == "" || created[list] != granted[list] {
			t.Errorf("storage.bicep creates %s = %q, roles.bicep grants on %q: want the same list", list, created[list], granted[list])
		}
	}
	roles := stripComments(readFile(t, "modules/roles.bicep"))
	for _, loop := range []string{`for name in containerNames:`, `for name in queueNames:`, `for (name, i) in containerNames:`, `for (name, i) in queueNames:`} {
		if !strings.Contains(roles, loop) {
			t.Errorf("roles.bicep has no %s loop", loop)
		}
	}
}
