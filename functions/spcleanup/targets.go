package spcleanup

import (
	"fmt"
	"strings"
)

// Target is one List:LookupColumn pair of SPCleanupTargets: a list whose
// items point at the watched list through a lookup column.
type Target struct {
	List   string // list title
	Column string // lookup column (internal name or title)
}

// String is the pair as written in the setting.
func (t Target) String() string { return t.List + ":" + t.Column }

// ParseTargets reads "Tasks:Project;Documents:ParentItem". The last colon
// separates list and column, so list titles may hold colons.
func ParseTargets(value string) ([]Target, error) {
	var targets []Target
	for _, pair := range strings.Split(value, ";") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		i := strings.LastIndex(pair, ":")
		if i <= 0 || i == len(pair)-1 {
			return nil, fmt.Errorf("%q is not List:LookupColumn", pair)
		}
		targets = append(targets, Target{List: strings.TrimSpace(pair[:i]), Column: strings.TrimSpace(pair[i+1:])})
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("no List:LookupColumn pairs")
	}
	return targets, nil
}
