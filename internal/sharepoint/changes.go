package sharepoint

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Change types SharePoint reports (Microsoft.SharePoint.Client.ChangeType).
const (
	ChangeAdd          = 1
	ChangeUpdate       = 2
	ChangeDeleteObject = 3
	ChangeRestore      = 7
)

// MaxFetchLimit is the most changes SharePoint returns for one query.
const MaxFetchLimit = 2000

// Change is one entry of a list's change log (SP.ChangeItem).
type Change struct {
	ChangeToken string
	ChangeType  int
	ItemID      int
	ListID      string
	UniqueID    string
	Time        time.Time
}

// ChangeQuery is the part of SP.ChangeQuery tenantops uses. Item changes are
// always asked for; the booleans choose the change types.
type ChangeQuery struct {
	Start        string // ChangeTokenStart: changes after this token
	End          string // ChangeTokenEnd, optional
	FetchLimit   int    // changes per query, 1..MaxFetchLimit; default MaxFetchLimit
	Add          bool
	Update       bool
	DeleteObject bool
	Restore      bool
}

// body is the JSON SharePoint expects. FetchLimit is sent as a string:
// SharePoint cannot convert a JSON number to Edm.Int64 there.
func (q ChangeQuery) body() ([]byte, error) {
	limit := q.FetchLimit
	if limit <= 0 || limit > MaxFetchLimit {
		limit = MaxFetchLimit
	}
	query := map[string]any{
		"__metadata": map[string]string{"type": "SP.ChangeQuery"},
		"Item":       true,
		"FetchLimit": strconv.Itoa(limit),
	}
	for name, on := range map[string]bool{"Add": q.Add, "Update": q.Update, "DeleteObject": q.DeleteObject, "Restore": q.Restore} {
		if on {
			query[name] = true
		}
	}
	for name, token := range map[string]string{"ChangeTokenStart": q.Start, "ChangeTokenEnd": q.End} {
		if token != "" {
			query[name] = map[string]any{"__metadata": map[string]string{"type": "SP.ChangeToken"}, "StringValue": token}
		}
	}
	return json.Marshal(map[string]any{"query": query})
}

// changeItem is SP.ChangeItem as SharePoint sends it.
type changeItem struct {
	ChangeToken *struct {
		StringValue string `json:"StringValue"`
	} `json:"ChangeToken"`
	ChangeType changeKind `json:"ChangeType"`
	ItemID     odataInt   `json:"ItemId"`
	ListID     string     `json:"ListId"`
	UniqueID   string     `json:"UniqueId"`
	Time       odataTime  `json:"Time"`
}

// change is the Change the item describes; a list id missing from the
// answer is taken from the change's (list-scope) token.
func (v changeItem) change() Change {
	c := Change{ChangeType: int(v.ChangeType), ItemID: int(v.ItemID), ListID: v.ListID,
		UniqueID: v.UniqueID, Time: time.Time(v.Time)}
	if v.ChangeToken != nil {
		c.ChangeToken = v.ChangeToken.StringValue
	}
	if token, err := ParseChangeToken(c.ChangeToken); c.ListID == "" && err == nil && token.Scope == ScopeList {
		c.ListID = token.ScopeID
	}
	return c
}

// GetChanges returns one page of a list's change log, oldest first. Page on
// by querying again from the last change's token until a page is empty.
func (c *Client) GetChanges(ctx context.Context, list List, q ChangeQuery) ([]Change, error) {
	body, err := q.body()
	if err != nil {
		return nil, fmt.Errorf("sharepoint: change query: %w", err)
	}
	rep, err := c.send(ctx, call{method: "POST", url: c.siteURL + list.path() + "/GetChanges", body: body})
	if err != nil {
		return nil, fmt.Errorf("sharepoint: changes of %s: %w", list, err)
	}
	var page []changeItem
	if _, err := decodeCollection(rep.body, &page); err != nil {
		return nil, fmt.Errorf("sharepoint: changes of %s: response: %w", list, err)
	}
	changes := make([]Change, len(page))
	for i, v := range page {
		changes[i] = v.change()
		if changes[i].ChangeToken == "" {
			return nil, fmt.Errorf("sharepoint: changes of %s: change %d of the page has no ChangeToken", list, i+1)
		}
	}
	return changes, nil
}

// CurrentChangeToken returns the token that the list's next change will be
// logged after: querying from it returns only changes made from now on.
func (c *Client) CurrentChangeToken(ctx context.Context, list List) (string, error) {
	rep, err := c.send(ctx, call{method: "GET", url: c.siteURL + list.path() + "?$select=CurrentChangeToken"})
	if err != nil {
		return "", fmt.Errorf("sharepoint: current change token of %s: %w", list, err)
	}
	var doc struct {
		CurrentChangeToken struct {
			StringValue string `json:"StringValue"`
		} `json:"CurrentChangeToken"`
	}
	if err := decodeEntity(rep.body, &doc); err != nil {
		return "", fmt.Errorf("sharepoint: current change token of %s: response: %w", list, err)
	}
	if doc.CurrentChangeToken.StringValue == "" {
		return "", fmt.Errorf("sharepoint: current change token of %s: empty", list)
	}
	return doc.CurrentChangeToken.StringValue, nil
}
