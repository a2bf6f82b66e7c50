package ftpretrieve

import (
	"context"
	"fmt"

	"github.com/tenantops/tenantops/internal/function"
)

// status reports how many delivered files the state remembers: a record is
// forgotten only when its file is gone from the server, so a count that
// only grows means the server keeps old files (harmless) or the listing
// cannot be read whole; and how many runs in a row listed lines that were
// not understood, flagged from FTPUnparsedRunsLimit on, as a file on such a
// line is never fetched while every run succeeds.
func status(ctx context.Context, inv *function.Invocation) []function.StatusItem {
	records := function.StatusItem{Name: "delivered-files records", Unit: "records"}
	unparsed := function.StatusItem{Name: "listings with lines not understood", Unit: "runs in a row"}
	c, err := loadConfig(inv.Env, inv.Now())
	var st *state
	if err == nil {
		_, st, err = openState(ctx, c, inv.Env)
	}
	if err != nil {
		records.Bad, records.Note = true, "could not be read: "+err.Error()
		unparsed.Bad, unparsed.Note = true, records.Note
		return []function.StatusItem{records, unparsed}
	}
	records.Value = float64(st.len())
	unparsed.Value = float64(st.data.UnparsedRuns)
	if st.data.UnparsedRuns >= c.unparsedRunsLimit {
		unparsed.Bad = true
		unparsed.Note = fmt.Sprintf("FTPUnparsedRunsLimit is %d: files on those lines are never fetched; "+
			"the run log quotes the lines (FTPTLS, the server's listing format)", c.unparsedRunsLimit)
	}
	return []function.StatusItem{records, unparsed}
}
