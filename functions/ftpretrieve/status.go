package ftpretrieve

import (
	"context"

	"github.com/tenantops/tenantops/internal/function"
)

// status reports how many delivered files the state remembers: a record is
// forgotten only when its file is gone from the server, so a count that
// only grows means the server keeps old files (harmless) or the listing
// cannot be read whole (see the runs' listingUnparsed).
func status(ctx context.Context, inv *function.Invocation) []function.StatusItem {
	item := function.StatusItem{Name: "delivered-files records", Unit: "records"}
	c, err := loadConfig(inv.Env, inv.Now())
	if err == nil {
		var st *state
		if _, st, err = openState(ctx, c, inv.Env); err == nil {
			item.Value = float64(st.len())
		}
	}
	if err != nil {
		item.Bad, item.Note = true, "could not be read: "+err.Error()
	}
	return []function.StatusItem{item}
}
