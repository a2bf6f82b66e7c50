package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Page is one page of a delta round.
type Page struct {
	Objects   []Object
	NextLink  string // "" on the last page of a round
	DeltaLink string // set only on the last page of a round
}

// Object is one entry of a delta page, as Graph sent it (no merging here).
type Object struct {
	ID        string
	ODataType string // "#microsoft.graph.user" / "#microsoft.graph.group" when present
	Removed   string // "" | "changed" (soft delete) | "deleted"
	// Attributes holds every other property present on the entry, except
	// id, @odata.*, @removed and the <name>@delta ones; a JSON null stays a
	// null.
	Attributes map[string]json.RawMessage
	Members    []MemberChange // members@delta entries, in page order (groups only)
	HasMembers bool           // members@delta was present on this entry (even if empty)
	// References holds the other <name>@delta lists by name, such as
	// manager@delta (users) and owners@delta (groups): entries in page
	// order, present (even if empty) when the entry carried the list.
	References map[string][]MemberChange
}

// MemberChange is one entry of members@delta (or of another <name>@delta
// list, such as manager@delta or owners@delta).
type MemberChange struct {
	ID      string
	Type    string // "#microsoft.graph.user", "#microsoft.graph.group", "#microsoft.graph.device", ...
	Removed bool   // carried "@removed"
}

// errPageTooLarge is returned when a page body passes MaxPageBytes.
var errPageTooLarge = errors.New("page is larger than the limit")

// decodePage reads {"value":[...], "@odata.nextLink"|"@odata.deltaLink":
// "..."} as a stream: one entry in memory at a time besides the result.
func (c *Client) decodePage(body io.Reader) (Page, error) {
	limited := &limitReader{r: body, left: c.maxBytes}
	dec := json.NewDecoder(limited)
	page, sawValue, err := c.decodeTop(dec)
	if limited.left < 0 {
		return Page{}, errPageTooLarge
	}
	if err != nil {
		return Page{}, fmt.Errorf("malformed JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Page{}, errors.New("malformed JSON: data after the page object")
	}
	switch {
	case !sawValue:
		return Page{}, errors.New("the page has no value array")
	case page.NextLink == "" && page.DeltaLink == "":
		return Page{}, errors.New("the page has neither @odata.nextLink nor @odata.deltaLink")
	case page.NextLink != "":
		page.DeltaLink = "" // a round ends only on a page without a nextLink
	}
	for _, link := range []string{page.NextLink, page.DeltaLink} {
		if link == "" {
			continue
		}
		if _, err := c.checkLink(link); err != nil {
			return Page{}, err
		}
	}
	return page, nil
}

// decodeTop walks the top-level object.
func (c *Client) decodeTop(dec *json.Decoder) (Page, bool, error) {
	var page Page
	sawValue := false
	if err := expectDelim(dec, '{'); err != nil {
		return page, false, err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return page, false, err
		}
		switch key {
		case "value":
			if page.Objects, err = decodeValue(dec); err != nil {
				return page, false, err
			}
			sawValue = true
		case "@odata.nextLink":
			err = dec.Decode(&page.NextLink)
		case "@odata.deltaLink":
			err = dec.Decode(&page.DeltaLink)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return page, false, err
		}
	}
	return page, sawValue, expectDelim(dec, '}')
}

func decodeValue(dec *json.Decoder) ([]Object, error) {
	if err := expectDelim(dec, '['); err != nil {
		return nil, err
	}
	objects := []Object{}
	for dec.More() {
		var raw map[string]json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		obj, err := objectFrom(raw)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", len(objects), err)
		}
		objects = append(objects, obj)
	}
	return objects, expectDelim(dec, ']')
}

// objectFrom splits one entry into the Object fields.
func objectFrom(raw map[string]json.RawMessage) (Object, error) {
	if raw == nil {
		return Object{}, errors.New("an entry is not an object")
	}
	var obj Object
	if err := json.Unmarshal(raw["id"], &obj.ID); err != nil || obj.ID == "" {
		return Object{}, errors.New("an entry has no id")
	}
	if t, ok := raw["@odata.type"]; ok {
		if err := json.Unmarshal(t, &obj.ODataType); err != nil {
			return Object{}, fmt.Errorf("object %s: @odata.type is not a string", obj.ID)
		}
	}
	if r, ok := raw["@removed"]; ok && string(r) != "null" {
		obj.Removed = removedReason(r)
	}
	for key, value := range raw {
		name, isDelta := strings.CutSuffix(key, "@delta")
		switch {
		case isDelta && name != "":
			if err := obj.addDelta(name, value); err != nil {
				return Object{}, err
			}
			continue
		case key == "id" || key == "@removed" || isODataAnnotation(key):
			continue
		}
		if obj.Attributes == nil {
			obj.Attributes = make(map[string]json.RawMessage, len(raw))
		}
		obj.Attributes[key] = value
	}
	return obj, nil
}

// addDelta keeps one <name>@delta list: members@delta as Members, any
// other under References.
func (obj *Object) addDelta(name string, raw json.RawMessage) error {
	changes, err := decodeMembers(raw)
	if err != nil {
		return fmt.Errorf("object %s: %s@delta: %w", obj.ID, name, err)
	}
	if name == "members" {
		obj.Members, obj.HasMembers = changes, true
		return nil
	}
	if obj.References == nil {
		obj.References = map[string][]MemberChange{}
	}
	obj.References[name] = changes
	return nil
}

// isODataAnnotation reports @odata.* keys (and property@odata.* ones).
func isODataAnnotation(key string) bool {
	return strings.Contains(key, "@odata.")
}

// removedReason reads {"reason":"changed"|"deleted"}; an @removed without
// a readable reason counts as "deleted".
func removedReason(raw json.RawMessage) string {
	var r struct {
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.Reason == "" {
		return "deleted"
	}
	return r.Reason
}

func decodeMembers(raw json.RawMessage) ([]MemberChange, error) {
	var entries []struct {
		ID      string          `json:"id"`
		Type    string          `json:"@odata.type"`
		Removed json.RawMessage `json:"@removed"`
	}
	raw = json.RawMessage(strings.TrimSpace(string(raw)))
	if string(raw) == "null" {
		return []MemberChange{}, nil
	}
	if len(raw) > 0 && raw[0] == '{' { // a single entry, as a single-valued reference may come
		raw = json.RawMessage("[" + string(raw) + "]")
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, err
	}
	members := make([]MemberChange, 0, len(entries))
	for i, e := range entries {
		if e.ID == "" {
			return nil, fmt.Errorf("entry %d has no id", i)
		}
		members = append(members, MemberChange{ID: e.ID, Type: e.Type, Removed: len(e.Removed) > 0 && string(e.Removed) != "null"})
	}
	return members, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", string(want), tok)
	}
	return nil
}

// limitReader reads at most left bytes and goes negative past them.
type limitReader struct {
	r    io.Reader
	left int64
}

// Read passes reads through until the limit, then fails with errPageTooLarge.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, errPageTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, errPageTooLarge
	}
	return n, err
}
