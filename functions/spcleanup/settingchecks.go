package spcleanup

import "github.com/tenantops/tenantops/internal/settings"

// targetsSetting is SPCleanupTargets, checked with the parser a run uses.
var targetsSetting = settings.SPCleanupTargets.WithCheck(func(value string) error {
	_, err := ParseTargets(value)
	return err
})
