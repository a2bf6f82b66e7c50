package functions

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/settings"
)

// TestEveryDeclaredSettingIsInTheCatalog: the redactor, `handler check`, the
// README table and local.settings.json.example all start from the catalog,
// so a setting a function reads must be there, and say the same things
// about itself. A declaration may only add a Check or narrow Required to
// RequiredWhen.
func TestEveryDeclaredSettingIsInTheCatalog(t *testing.T) {
	for _, decl := range All() {
		for _, s := range decl.Settings {
			c, ok := settings.ByName(s.Name)
			if !ok {
				t.Errorf("%s declares %s, which is not in internal/settings/catalog.go", decl.Name, s.Name)
				continue
			}
			if s.Secret != c.Secret {
				t.Errorf("%s declares %s with Secret=%v; the catalog says %v", decl.Name, s.Name, s.Secret, c.Secret)
			}
			if s.Required && !c.Required {
				t.Errorf("%s declares %s required; the catalog does not", decl.Name, s.Name)
			}
			if !c.Required && !s.Required && !reflect.DeepEqual(s.RequiredWhen, c.RequiredWhen) {
				t.Errorf("%s declares %s required when %v; the catalog says %v", decl.Name, s.Name, s.RequiredWhen, c.RequiredWhen)
			}
			s.Check, s.Required, s.RequiredWhen = nil, c.Required, c.RequiredWhen
			if !reflect.DeepEqual(s, c) {
				t.Errorf("%s declares %s as %+v; the catalog has %+v", decl.Name, s.Name, s, c)
			}
		}
	}
}

// TestEveryCatalogSettingIsRead: a setting no function declares would be
// documented and checked, but never used.
func TestEveryCatalogSettingIsRead(t *testing.T) {
	declared := map[string]bool{}
	for _, decl := range All() {
		for _, s := range decl.Settings {
			declared[s.Name] = true
		}
	}
	readElsewhere := map[string]bool{ // read by storage for every function, not declared one by one
		settings.StorageAccountName.Name: true, settings.StorageBlobServiceURI.Name: true,
		settings.StorageQueueServiceURI.Name: true, settings.StorageCredential.Name: true, settings.StorageClientID.Name: true,
		settings.TenantopsAlertsConfigured.Name: true, // read by handler check's alerts row, for the whole app
	}
	for _, s := range settings.All() {
		if !declared[s.Name] && !readElsewhere[s.Name] {
			t.Errorf("%s is in the catalog but no function declares it", s.Name)
		}
	}
}

// TestEveryTimerScheduleIsASchedule: a timer's %Setting% is validated as
// NCRONTAB by `handler check`, because its Kind says so.
func TestEveryTimerScheduleIsASchedule(t *testing.T) {
	for _, decl := range All() {
		if decl.Trigger.Type != "timerTrigger" {
			continue
		}
		name := strings.Trim(decl.Trigger.Schedule, "%")
		s, ok := settings.ByName(name)
		if !ok || s.Kind != settings.Schedule {
			t.Errorf("%s's schedule %s is not a catalog setting of kind Schedule", decl.Name, decl.Trigger.Schedule)
		}
		if !declares(decl.Settings, name) {
			t.Errorf("%s does not declare its schedule setting %s", decl.Name, name)
		}
	}
}

func declares(specs []settings.Spec, name string) bool {
	for _, s := range specs {
		if s.Name == name {
			return true
		}
	}
	return false
}
