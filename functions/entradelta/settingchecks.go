package entradelta

import (
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/settings"
)

// The settings EntraDeltaExport declares with rules of its own: the
// certificate, read by the parser a run uses, and the MIM server's
// settings, which only the winrm target needs.
var (
	clientCertificateSetting = settings.EntraClientCertificate.WithCheck(func(value string) error {
		_, _, err := azcred.ParseCertificate(value, settings.EntraClientCertificate.Name) // never quotes the value
		return err
	})

	// The attribute lists: property names delta can export (no other
	// navigation property than manager and owners, nothing it cannot
	// track), checked by handler check and before every run.
	userAttributesSetting = settings.EntraUserAttributes.WithCheck(func(value string) error {
		return checkAttributes("users", value)
	})
	groupAttributesSetting = settings.EntraGroupAttributes.WithCheck(func(value string) error {
		return checkAttributes("groups", value)
	})

	winrmTarget        = settings.Condition{Setting: settings.EntraExportTarget.Name, Values: []string{"winrm"}}
	mimServerSetting   = settings.MIMSyncServer.RequiredOnlyWhen(winrmTarget)
	mimUserSetting     = settings.MIMSyncCredUser.RequiredOnlyWhen(winrmTarget)
	mimPasswordSetting = settings.MIMSyncCredPassword.RequiredOnlyWhen(winrmTarget)
)
