package sharepoint

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// itemsPageSize is $top for item queries: the list view threshold.
const itemsPageSize = 5000

// FindByLookup returns the ids of a list's items whose single-value lookup
// column (internal name) points at itemID, following next links. On a list
// above the view threshold the column must be indexed.
func (c *Client) FindByLookup(ctx context.Context, list List, column string, itemID int) ([]int, error) {
	query := "$select=Id&$filter=" + queryEscape(fmt.Sprintf("%s eq %d", lookupIDProperty(column), itemID)) +
		fmt.Sprintf("&$top=%d", itemsPageSize)
	next := c.siteURL + list.path() + "/items?" + query
	var ids []int
	for next != "" {
		rep, err := c.send(ctx, call{method: "GET", url: next})
		if err != nil {
			return nil, fmt.Errorf("sharepoint: items of %s with %s = %d: %w", list, column, itemID, err)
		}
		var page []struct {
			ID odataInt `json:"Id"`
		}
		link, err := decodeCollection(rep.body, &page)
		if err != nil {
			return nil, fmt.Errorf("sharepoint: items of %s: response: %w", list, err)
		}
		for _, v := range page {
			ids = append(ids, int(v.ID))
		}
		next, err = c.nextLinkOnSite(link)
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// lookupIDProperty is the REST property holding a lookup column's item id:
// the column's entity property name plus "Id". SharePoint names the entity
// property after the internal name, prefixed with "OData_" when the internal
// name starts with an underscore.
func lookupIDProperty(column string) string {
	if strings.HasPrefix(column, "_") {
		column = "OData_" + column
	}
	return column + "Id"
}

// nextLinkOnSite resolves a next link (absolute, or relative to the site) and
// accepts it only when it points into this site, so a response can never
// send the bearer token elsewhere.
func (c *Client) nextLinkOnSite(link string) (string, error) {
	if link == "" {
		return "", nil
	}
	base, err := url.Parse(c.siteURL + "/")
	if err != nil {
		return "", fmt.Errorf("sharepoint: site URL: %w", err)
	}
	ref, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("sharepoint: next link: %w", err)
	}
	resolved := base.ResolveReference(ref).String()
	if !strings.HasPrefix(strings.ToLower(resolved), strings.ToLower(c.siteURL)+"/") {
		return "", fmt.Errorf("sharepoint: next link outside the site: %s", pathOf(resolved))
	}
	return resolved, nil
}

// queryEscape escapes a query value with %20 for spaces.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// ItemExists reads an item by id: true when the list holds it, false when
// SharePoint answers 404. A 404 also answers a list that does not exist, so
// callers name the list by an id they have just read (ListInfo).
func (c *Client) ItemExists(ctx context.Context, list List, itemID int) (bool, error) {
	_, err := c.send(ctx, call{method: "GET", url: fmt.Sprintf("%s%s/items(%d)?$select=Id", c.siteURL, list.path(), itemID)})
	if IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sharepoint: item %d of %s: %w", itemID, list, err)
	}
	return true, nil
}
