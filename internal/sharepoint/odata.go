package sharepoint

import (
	"bytes"
	"encoding/json"
	"errors"
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
