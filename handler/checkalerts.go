package main

import (
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// checkAlerts is the `check` row that says whether anyone hears of a
// failure: TenantopsAlertsConfigured, which infra/main.bicep sets from
// alertEmails. Unset (a local run, or an app deployed some other way) is
// not a failure, as nothing is known; false is.
func checkAlerts(env settings.Env) function.CheckResult {
	row := function.CheckResult{Dependency: "alerts (TenantopsAlertsConfigured)"}
	p := settings.NewParser(env)
	configured := p.Bool(settings.TenantopsAlertsConfigured)
	switch {
	case p.Err() != nil:
		row.Why = p.Err().Error()
	case !p.Set(settings.TenantopsAlertsConfigured):
		row.OK, row.Why = true, "not set: this app was not deployed by infra/main.bicep, so whether alert rules exist is not known here"
	case configured:
		row.OK, row.Why = true, "alert rules e-mail the deployment's alertEmails"
	default:
		row.Why = "no alert rule exists (alertEmails was empty at deployment): no failure, missed run or parked message is e-mailed; redeploy with alertEmails"
	}
	return row
}
