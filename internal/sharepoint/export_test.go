package sharepoint

import (
	"fmt"
	"time"
)

// String formats the token as SharePoint does, for round-trip tests.
func (t ChangeToken) String() string {
	return fmt.Sprintf("%d;%d;%s;%d;%d", t.Version, t.Scope, t.ScopeID, TimeToTicks(t.Time), t.ChangeNumber)
}

// TimeToTicks converts a time to .NET ticks.
func TimeToTicks(t time.Time) int64 { return t.UTC().UnixNano()/100 + unixEpochTicks }
