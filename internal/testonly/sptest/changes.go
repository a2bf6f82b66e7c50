package sptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Change log limits, as SharePoint Online documents them.
const (
	defaultFetchLimit = 1000
	maxFetchLimit     = 2000
)

// dotnetEpochOffset is 1970-01-01 in .NET ticks (100 ns since 0001-01-01).
const dotnetEpochOffset = 621355968000000000

// formatToken writes a list-scope change token: 1;3;<listId>;<ticks>;<changeNumber>.
func formatToken(listID string, at time.Time, number int64) string {
	return fmt.Sprintf("1;3;%s;%d;%d", listID, at.UTC().UnixNano()/100+dotnetEpochOffset, number)
}

type token struct {
	scope  string
	listID string
	time   time.Time
	number int64
}

func parseToken(s string) (token, bool) {
	parts := strings.Split(s, ";")
	if len(parts) != 5 {
		return token{}, false
	}
	ticks, err1 := strconv.ParseInt(parts[3], 10, 64)
	number, err2 := strconv.ParseInt(parts[4], 10, 64)
	if err1 != nil || err2 != nil {
		return token{}, false
	}
	return token{scope: parts[1], listID: strings.ToLower(parts[2]),
		time: time.Unix(0, (ticks-dotnetEpochOffset)*100).UTC(), number: number}, true
}

// changeQuery is SP.ChangeQuery as SharePoint reads it from JSON.
type changeQuery struct {
	Item, Add, Update, DeleteObject, Restore flexBool
	FetchLimit                               json.RawMessage
	ChangeTokenStart, ChangeTokenEnd         *struct{ StringValue string }
}

// flexBool accepts true and "True", as SharePoint does for Edm.Boolean.
type flexBool bool

// UnmarshalJSON reads a JSON boolean or a "True"/"False" string.
func (b *flexBool) UnmarshalJSON(data []byte) error {
	v := strings.Trim(strings.ToLower(string(data)), `"`)
	*b = flexBool(v == "true")
	return nil
}

// serveGetChanges answers POST <list>/GetChanges.
func (s *Server) serveGetChanges(w http.ResponseWriter, r *http.Request, f format, l *list) {
	var body struct{ Query changeQuery }
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, f, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "Invalid JSON. "+err.Error())
		return
	}
	q := body.Query
	limit, ok := fetchLimit(q.FetchLimit)
	if !ok {
		writeError(w, f, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
			"A primitive value was specified; however, a value of type 'Edm.Int64' was expected as a string.")
		return
	}
	if top, err := strconv.Atoi(r.URL.Query().Get("$top")); err == nil && top > 0 {
		limit = min(limit, top) // gosip pages changes with $top
	}
	start, end, status, code, message := s.tokenRange(l, q)
	if status != 0 {
		writeError(w, f, status, code, message)
		return
	}
	writeCollection(w, f, s.changesOf(l, q, start, end, limit), "")
}

// fetchLimit reads FetchLimit, which must be a string ("2000"); a JSON
// number is refused as SharePoint refuses it.
func fetchLimit(raw json.RawMessage) (int, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return defaultFetchLimit, true
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(text)
	if err != nil || n <= 0 {
		return 0, false
	}
	return min(n, maxFetchLimit), true
}

// tokenRange checks the start and end tokens: well formed, of this list,
// not older than the change log; it answers a bad one with the codes and
// messages SharePoint Online gives (ServerException codes -2146233086,
// -2130575173 and -2130575172).
func (s *Server) tokenRange(l *list, q changeQuery) (start, end int64, status int, code, message string) {
	start, end = 0, s.site.lastNumber
	for i, ref := range []*struct{ StringValue string }{q.ChangeTokenStart, q.ChangeTokenEnd} {
		if ref == nil || ref.StringValue == "" {
			continue
		}
		t, ok := parseToken(ref.StringValue)
		switch {
		case !ok:
			return 0, 0, http.StatusBadRequest, "-2146233086, System.ArgumentOutOfRangeException", "Specified argument was out of the range of valid values."
		case t.scope != "3" || t.listID != l.id:
			return 0, 0, http.StatusInternalServerError, "-2130575173, Microsoft.SharePoint.SPException", "Cannot use the changeToken from one object against a different object"
		case t.time.Before(s.now().Add(-s.opts.Retention)):
			return 0, 0, http.StatusInternalServerError, "-2130575172, Microsoft.SharePoint.SPException", "The changeToken refers to a time before the start of the current change log."
		}
		number := t.number
		if number < 0 {
			number = s.site.numberAt(t.time) // a token made from a time: 1;3;<list>;<ticks>;-1
		}
		if i == 0 {
			start = number
		} else {
			end = number
		}
	}
	return start, end, 0, "", ""
}

// changesOf returns up to limit changes of l after start and up to end,
// oldest first, of the types the query asks for.
func (s *Server) changesOf(l *list, q changeQuery, start, end int64, limit int) []entity {
	wanted := map[int]bool{1: bool(q.Add), 2: bool(q.Update), 3: bool(q.DeleteObject), 7: bool(q.Restore)}
	var out []entity
	if !q.Item {
		return out
	}
	log := s.site.changes
	first := sort.Search(len(log), func(i int) bool { return log[i].number > start })
	for _, c := range log[first:] {
		if c.number > end || len(out) == limit {
			break
		}
		if c.listID == l.id && wanted[c.changeType] {
			out = append(out, s.changeEntity(l, c))
		}
	}
	return out
}

func (s *Server) changeEntity(l *list, c change) entity {
	uri := s.siteURL + "/_api/SP.ChangeItem" + newGUID()
	return entity{
		metadata: map[string]any{"id": uri, "uri": uri, "type": "SP.ChangeItem"},
		fields: map[string]any{
			"ChangeToken": changeTokenEntity(formatToken(l.id, c.time, c.number)),
			"ChangeType":  c.changeType, "SiteId": siteID, "WebId": webID,
			"Time":   c.time.UTC().Format("2006-01-02T15:04:05Z"),
			"ItemId": c.itemID, "ListId": l.id, "UniqueId": c.uniqueID,
			"Editor": "", "EditorEmailHint": nil, "ServerRelativeUrl": "",
			"SharedByUser": nil, "SharedWithUsers": nil,
		},
	}
}

// The stand-in's site collection and web ids.
const (
	siteID = "5a0f2c1e-8c1b-4b8e-9d7e-0f1f2a3b4c5d"
	webID  = "6b1e3d2f-9d2c-4c9f-8e8f-1a2b3c4d5e6f"
)
