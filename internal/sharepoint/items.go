package sharepoint

import (
	"context"
	"encoding/json"
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
	query := "$select=Id&$filter=" + queryEscape(fmt.Sprintf("%sId eq %d", column, itemID)) +
		fmt.Sprintf("&$top=%d", itemsPageSize)
	next := c.siteURL + list.path() + "/items?" + query
	var ids []int
	for next != "" {
		rep, err := c.send(ctx, call{method: "GET", url: next})
		if err != nil {
			return nil, fmt.Errorf("sharepoint: items of %s with %s = %d: %w", list, column, itemID, err)
		}
		var page struct {
			Value []struct {
				ID int `json:"Id"`
			} `json:"value"`
			NextLink string `json:"odata.nextLink"`
		}
		if err := json.Unmarshal(rep.body, &page); err != nil {
			return nil, fmt.Errorf("sharepoint: items of %s: response: %w", list, err)
		}
		for _, v := range page.Value {
			ids = append(ids, v.ID)
		}
		next, err = c.sameSite(page.NextLink)
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// sameSite accepts a next link only when it points into this site, so a
// response can never send the bearer token elsewhere.
func (c *Client) sameSite(link string) (string, error) {
	if link == "" {
		return "", nil
	}
	if !strings.HasPrefix(strings.ToLower(link), strings.ToLower(c.siteURL)+"/") {
		return "", fmt.Errorf("sharepoint: next link outside the site: %s", pathOf(link))
	}
	return link, nil
}

// queryEscape escapes a query value with %20 for spaces.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
