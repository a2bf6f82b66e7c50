package sharepoint

import "strings"

// SameList reports whether two list ids name the same list: GUIDs compared
// without regard to case or braces.
func SameList(a, b string) bool {
	trim := func(s string) string { return strings.Trim(strings.TrimSpace(s), "{}") }
	return trim(a) != "" && strings.EqualFold(trim(a), trim(b))
}
