package spchangepoll

import (
	"context"
	"fmt"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
)

// check gets a token and reads the watched list and its current change token.
func check(ctx context.Context, inv *function.Invocation) []function.CheckResult {
	row := function.CheckResult{Dependency: "SharePointChangePoll: SharePoint list"}
	p := inv.Settings()
	title := p.String(settings.SPListTitle)
	client, err := clients.SharePoint(p, inv.Log)
	if err != nil {
		row.Why = err.Error()
		return []function.CheckResult{row}
	}
	info, err := client.ListInfo(ctx, sharepoint.ListByTitle(title))
	if err == nil {
		_, err = client.CurrentChangeToken(ctx, sharepoint.ListByTitle(title))
	}
	if err != nil {
		row.Why = err.Error()
		return []function.CheckResult{row}
	}
	row.OK, row.Why = true, fmt.Sprintf("token acquired; list %q (%s, %d items) and its change token read", info.Title, info.ID, info.ItemCount)
	return []function.CheckResult{row}
}
