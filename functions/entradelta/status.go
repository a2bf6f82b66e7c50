package entradelta

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// deltaLinkWarnDays is the delta links' age at which status flags them:
// two days before Graph's 7-day token life ends and a full round (and a
// MIM Full Import) becomes necessary.
const deltaLinkWarnDays = 5

// status reports the delta links' age against their 7-day life, the
// newest full file's age and reason, and a change file staged but not yet
// delivered.
func status(ctx context.Context, inv *function.Invocation) []function.StatusItem {
	item := function.StatusItem{Name: "delta link age", Unit: "days"}
	account, err := clients.Storage(inv.Env)
	var st *state
	if err == nil {
		st, _, err = stateStore{account: account, container: inv.Settings().String(settings.EntraStateContainer)}.read(ctx)
	}
	fullFileDays := inv.Settings().Int(settings.EntraFullFileDays)
	switch {
	case err != nil:
		item.Bad, item.Note = true, "could not be read: "+err.Error()
		return []function.StatusItem{item}
	case st.LinksTime.IsZero():
		item.Note = "no delta links yet: the next run is a full round"
		return []function.StatusItem{item}
	}
	item.Value = math.Round(inv.Now().Sub(st.LinksTime).Hours()/24*10) / 10
	item.Bad = item.Value > deltaLinkWarnDays
	item.Note = "of Graph's 7-day delta token life"
	if item.Bad {
		item.Note = "past 7 days the next run starts a full round and MIM must run a Full Import"
	}
	items := []function.StatusItem{item, newestFullItem(st, inv.Now(), fullFileDays)}
	if st.Pending != nil {
		items = append(items, function.StatusItem{Name: "change file staged, not delivered", Value: float64(st.Pending.Seq),
			Unit: "seq", Bad: true, Note: "the next run delivers it first; if runs keep failing, check the export target"})
	}
	return items
}

// newestFullItem is the newest full file's age and why it was written: past
// EntraFullFileDays and a day, the checkpoint that should have followed it
// is missing.
func newestFullItem(st *state, now time.Time, fullFileDays int) function.StatusItem {
	item := function.StatusItem{Name: "newest full file age", Unit: "days"}
	if st.LastFullTime.IsZero() {
		item.Note = fmt.Sprintf("seq %d, age unknown (written before checkpoints): the next run writes a checkpoint", st.LastFull)
		return item
	}
	item.Value = math.Round(now.Sub(st.LastFullTime).Hours()/24*10) / 10
	reason := st.LastFullReason
	if reason == "" {
		reason = "unknown"
	}
	item.Note = fmt.Sprintf("seq %d, reason %s; a checkpoint follows at %d days", st.LastFull, reason, fullFileDays)
	if item.Value > float64(fullFileDays+1) {
		item.Bad = true
		item.Note = fmt.Sprintf("seq %d, reason %s: no checkpoint since, though one is due at %d days; "+
			"runs are failing or not running, and the export folder keeps growing", st.LastFull, reason, fullFileDays)
	}
	return item
}
