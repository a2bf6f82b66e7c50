package sharepoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// odataInt is an Edm integer: a JSON number, or a number in a string
// (OData's form for Edm.Int64).
type odataInt int

// UnmarshalJSON reads a number, a numeric string, or null (0).
func (n *odataInt) UnmarshalJSON(data []byte) error {
	v, err := parseODataInt(data)
	if err != nil {
		return err
	}
	*n = odataInt(v)
	return nil
}

func parseODataInt(data []byte) (int, error) {
	text := strings.TrimSpace(string(data))
	if text == "null" {
		return 0, nil
	}
	if unquoted, err := strconv.Unquote(text); err == nil {
		text = strings.TrimSpace(unquoted)
	}
	v, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("sharepoint: %s is not an integer", data)
	}
	return v, nil
}

// changeTypeNames are the Microsoft.SharePoint.Client.ChangeType names, for
// an answer that spells the enum out instead of sending its number.
var changeTypeNames = map[string]int{
	"nochange": 0, "add": 1, "update": 2, "deleteobject": 3, "rename": 4, "moveaway": 5, "moveinto": 6,
	"restore": 7, "roleadd": 8, "roledelete": 9, "roleupdate": 10, "assignmentadd": 11, "assignmentdelete": 12,
	"memberadd": 13, "memberdelete": 14, "systemupdate": 15, "navigation": 16, "scopeadd": 17, "scopedelete": 18,
	"listcontenttypeadd": 19, "listcontenttypedelete": 20, "dirty": 21, "activity": 22,
}

// changeKind is a ChangeType: its number (as SharePoint REST sends it), or
// its name. A name this client does not know is -1, a change it ignores,
// so a new enum value cannot stop the poll.
type changeKind int

// UnmarshalJSON reads a number, a numeric string, or a ChangeType name.
func (k *changeKind) UnmarshalJSON(data []byte) error {
	if v, err := parseODataInt(data); err == nil {
		*k = changeKind(v)
		return nil
	}
	var name string
	if err := json.Unmarshal(data, &name); err != nil {
		return fmt.Errorf("sharepoint: ChangeType %s: %w", data, err)
	}
	*k = -1
	if v, ok := changeTypeNames[strings.ToLower(strings.TrimSpace(name))]; ok {
		*k = changeKind(v)
	}
	return nil
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
