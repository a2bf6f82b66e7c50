package sharepoint

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// List names a list by title or by id (a GUID). Title wins when both are set.
type List struct {
	Title string
	ID    string
}

// ListByTitle names a list by its title.
func ListByTitle(title string) List { return List{Title: title} }

// String is the list as operators know it.
func (l List) String() string {
	if l.Title != "" {
		return l.Title
	}
	return l.ID
}

// path is the list's REST path under the site, with the title quoted as an
// OData string literal (quotes doubled) and percent-encoded.
func (l List) path() string {
	if l.Title != "" {
		return "/_api/web/lists/getbytitle(" + odataString(l.Title) + ")"
	}
	return "/_api/web/lists(guid'" + url.PathEscape(l.ID) + "')"
}

// odataString quotes s as an OData string literal inside a URL path.
func odataString(s string) string {
	escaped := url.PathEscape(strings.ReplaceAll(s, "'", "''"))
	return "'" + strings.ReplaceAll(escaped, "%27", "'") + "'"
}

// ListInfo is what ListInfo reads about a list.
type ListInfo struct {
	ID        string
	Title     string
	ItemCount int
}

// ListInfo reads a list's id, title and item count: a cheap proof of access.
func (c *Client) ListInfo(ctx context.Context, list List) (ListInfo, error) {
	rep, err := c.send(ctx, call{method: "GET", url: c.siteURL + list.path() + "?$select=Id,Title,ItemCount"})
	if err != nil {
		return ListInfo{}, fmt.Errorf("sharepoint: list %s: %w", list, err)
	}
	var info struct {
		ID        string   `json:"Id"`
		Title     string   `json:"Title"`
		ItemCount odataInt `json:"ItemCount"`
	}
	if err := decodeEntity(rep.body, &info); err != nil {
		return ListInfo{}, fmt.Errorf("sharepoint: list %s: response: %w", list, err)
	}
	return ListInfo{ID: info.ID, Title: info.Title, ItemCount: int(info.ItemCount)}, nil
}

// Field is what LookupField reads about a column.
type Field struct {
	InternalName string
	Type         string // TypeAsString: Lookup, LookupMulti, Text…
	LookupList   string // id of the list the lookup points at, without braces
}

// ErrNotLookup is LookupField's answer for a column that exists but is not
// a single-value lookup.
var ErrNotLookup = errors.New("not a single-value lookup column")

// LookupField reads a column by internal name or title and checks that it
// is a single-value lookup (multi-value lookups cannot be filtered by id).
func (c *Client) LookupField(ctx context.Context, list List, column string) (Field, error) {
	u := c.siteURL + list.path() + "/fields/getbyinternalnameortitle(" + odataString(column) + ")?$select=InternalName,TypeAsString,LookupList"
	rep, err := c.send(ctx, call{method: "GET", url: u})
	if err != nil {
		return Field{}, fmt.Errorf("sharepoint: list %s column %s: %w", list, column, err)
	}
	var f struct {
		InternalName string `json:"InternalName"`
		TypeAsString string `json:"TypeAsString"`
		LookupList   string `json:"LookupList"`
	}
	if err := decodeEntity(rep.body, &f); err != nil {
		return Field{}, fmt.Errorf("sharepoint: list %s column %s: response: %w", list, column, err)
	}
	if f.TypeAsString != "Lookup" {
		return Field{}, fmt.Errorf("sharepoint: list %s column %s is %s, want a single-value Lookup: %w", list, column, f.TypeAsString, ErrNotLookup)
	}
	return Field{InternalName: f.InternalName, Type: f.TypeAsString, LookupList: strings.Trim(f.LookupList, "{}")}, nil
}
