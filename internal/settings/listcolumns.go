package settings

import (
	"fmt"
	"strings"
)

// ListColumn is one List:Column pair of a setting such as SPCleanupTargets.
type ListColumn struct {
	List   string // list title
	Column string // column internal name
}

// ParseListColumns reads "Tasks:Project;Documents:ParentItem": pairs
// separated by ';', blanks around them ignored. The last colon of a pair
// separates list and column, so list titles may hold colons.
func ParseListColumns(value string) ([]ListColumn, error) {
	var pairs []ListColumn
	for _, pair := range strings.Split(value, ";") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		i := strings.LastIndex(pair, ":")
		if i <= 0 || i == len(pair)-1 || strings.TrimSpace(pair[:i]) == "" || strings.TrimSpace(pair[i+1:]) == "" {
			return nil, fmt.Errorf("%q is not List:LookupColumn", pair)
		}
		pairs = append(pairs, ListColumn{List: strings.TrimSpace(pair[:i]), Column: strings.TrimSpace(pair[i+1:])})
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("no List:LookupColumn pairs")
	}
	return pairs, nil
}

// listColumns checks a List:Column setting when it is set.
func listColumns(p *Parser, s Spec) {
	if v := p.Raw(s); v != "" {
		if _, err := ParseListColumns(v); err != nil {
			p.Fail(s, err.Error()+" (want e.g. Tasks:Project;Documents:ParentItem)")
		}
	}
}
