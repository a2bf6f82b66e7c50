package sharepoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The client asks for JSON light without metadata, but reads either flavour
// SharePoint REST answers in: JSON light ({"value":[…],"odata.nextLink":…}
// for a collection, the bare object for an entity) and verbose
// ({"d":{"results":[…],"__next":…}}, {"d":{…}}).

// collectionDocument is a collection answer in either flavour.
type collectionDocument struct {
	Value      json.RawMessage `json:"value"`
	NextLink   string          `json:"odata.nextLink"`
	NextLinkV4 string          `json:"@odata.nextLink"`
	Verbose    *struct {
		Results json.RawMessage `json:"results"`
		Next    string          `json:"__next"`
	} `json:"d"`
}

// errNotCollection is a JSON answer without a collection in it.
var errNotCollection = errors.New("not an OData collection (no value or d.results)")

// decodeCollection reads a collection answer into items (a pointer to a
// slice) and returns its next link, "" on the last page.
func decodeCollection(body []byte, items any) (string, error) {
	var doc collectionDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", err
	}
	raw, next := doc.Value, firstNonEmpty(doc.NextLink, doc.NextLinkV4)
	if doc.Verbose != nil && raw == nil {
		raw, next = doc.Verbose.Results, firstNonEmpty(doc.Verbose.Next, next)
	}
	if raw == nil {
		return "", errNotCollection
	}
	return next, json.Unmarshal(raw, items)
}

// decodeEntity reads an entity answer into v: the "d" object of a verbose
// answer, else the whole body.
func decodeEntity(body []byte, v any) error {
	var doc struct {
		Verbose json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return err
	}
	if bytes.HasPrefix(bytes.TrimSpace(doc.Verbose), []byte("{")) {
		return json.Unmarshal(doc.Verbose, v)
	}
	return json.Unmarshal(body, v)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// changeTypeNames are the Microsoft.SharePoint.Client.ChangeType names, for
// an answer that spells the enum out instead of sending its number.
var changeTypeNames = map[string]int{
	"nochange": 0, "add": 1, "update": 2, "deleteobject": 3, "rename": 4, "moveaway": 5, "moveinto": 6,
	"restore": 7, "roleadd": 8, "roledelete": 9, "roleupdate": 10, "assignmentadd": 11, "assignmentdelete": 12,
	"memberadd": 13, "memberdelete": 14, "systemupdate": 15, "navigation": 16, "scopeadd": 17, "scopedelete": 18,
	"listcontenttypeadd": 19, "listcontenttypedelete": 20, "dirty": 21, "activity": 22,
}

// odataInt is an Edm integer or enum value: a JSON number, a number in a
// string (OData's form for Edm.Int64), or, for ChangeType, the enum name.
type odataInt int

// UnmarshalJSON reads a number, a numeric string, a ChangeType name, or null (0).
func (n *odataInt) UnmarshalJSON(data []byte) error {
	text := strings.TrimSpace(string(data))
	if text == "null" {
		*n = 0
		return nil
	}
	if unquoted, err := strconv.Unquote(text); err == nil {
		text = strings.TrimSpace(unquoted)
	}
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		*n = odataInt(v)
		return nil
	}
	if v, ok := changeTypeNames[strings.ToLower(text)]; ok {
		*n = odataInt(v)
		return nil
	}
	return fmt.Errorf("sharepoint: %s is not an integer", text)
}

// odataTime is an Edm.DateTime: RFC 3339 ("2013-02-03T22:17:54Z"), the same
// without a zone (UTC, as SharePoint stores it), or the old "/Date(ms)/".
type odataTime time.Time

// UnmarshalJSON reads the forms above; null or "" is the zero time.
func (t *odataTime) UnmarshalJSON(data []byte) error {
	var text string
	if string(bytes.TrimSpace(data)) == "null" {
		*t = odataTime{}
		return nil
	}
	if err := json.Unmarshal(data, &text); err != nil {
		return fmt.Errorf("sharepoint: time %s: %w", data, err)
	}
	parsed, err := parseODataTime(strings.TrimSpace(text))
	if err != nil {
		return err
	}
	*t = odataTime(parsed)
	return nil
}

func parseODataTime(text string) (time.Time, error) {
	if text == "" {
		return time.Time{}, nil
	}
	if ms, ok := strings.CutPrefix(text, "/Date("); ok {
		ms, _, _ = strings.Cut(strings.TrimSuffix(ms, ")/"), "+")
		v, err := strconv.ParseInt(ms, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("sharepoint: time %q: %w", text, err)
		}
		return time.UnixMilli(v).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999"} {
		if parsed, err := time.Parse(layout, text); err == nil {
			return parsed.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("sharepoint: time %q is not an OData date", text)
}
