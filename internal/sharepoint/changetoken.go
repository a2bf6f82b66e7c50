package sharepoint

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ChangeToken is a parsed SharePoint change token,
// "<version>;<scope>;<scopeId>;<ticks>;<changeNumber>", e.g.
// "1;3;3b542696-5863-4ff7-bb90-8224e9e8adb9;637138201430100000;64696075"
// for a list (scope 3). Ticks are .NET ticks: 100 ns since 0001-01-01 UTC.
type ChangeToken struct {
	Version      int
	Scope        int    // 0 content database, 1 site collection, 2 site, 3 list
	ScopeID      string // the list's id for scope 3
	Time         time.Time
	ChangeNumber int64
}

// ScopeList is the token scope of a list.
const ScopeList = 3

// unixEpochTicks is 1970-01-01 in .NET ticks.
const unixEpochTicks = 621355968000000000

// ParseChangeToken parses a token's StringValue.
func ParseChangeToken(s string) (ChangeToken, error) {
	parts := strings.Split(strings.TrimSpace(s), ";")
	if len(parts) != 5 {
		return ChangeToken{}, fmt.Errorf("sharepoint: change token %q: want 5 fields separated by ';'", s)
	}
	version, err1 := strconv.Atoi(parts[0])
	scope, err2 := strconv.Atoi(parts[1])
	ticks, err3 := strconv.ParseInt(parts[3], 10, 64)
	number, err4 := strconv.ParseInt(parts[4], 10, 64)
	if err := firstError(err1, err2, err3, err4); err != nil || parts[2] == "" {
		return ChangeToken{}, fmt.Errorf("sharepoint: change token %q: malformed", s)
	}
	return ChangeToken{Version: version, Scope: scope, ScopeID: parts[2],
		Time: ticksToTime(ticks), ChangeNumber: number}, nil
}

// ticksToTime converts .NET ticks to a UTC time.
func ticksToTime(ticks int64) time.Time { return time.Unix(0, (ticks-unixEpochTicks)*100).UTC() }

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
