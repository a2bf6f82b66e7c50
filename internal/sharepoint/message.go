package sharepoint

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MessageVersion is the "v" of DeletedItem messages.
const MessageVersion = 1

// DeletedItem is the queue message SharePointChangePoll sends and
// SharePointCleanup reads: one per deleted item.
type DeletedItem struct {
	V           int       `json:"v"`
	SiteURL     string    `json:"siteUrl"`
	ListID      string    `json:"listId"`
	ListTitle   string    `json:"listTitle"`
	ItemID      int       `json:"itemId"`
	UniqueID    string    `json:"uniqueId"`
	ChangeToken string    `json:"changeToken"`
	Time        time.Time `json:"time"`
}

// ErrMalformedMessage marks a message that can never be processed.
var ErrMalformedMessage = errors.New("malformed message")

// ParseDeletedItem reads and checks a message: JSON, version 1, a positive
// item id, a list id and title, and a site URL equal to siteURL (without
// regard to case or a trailing slash). Whether the list is the watched one
// is for the caller to check. A message still in its queue
// encoding (base64 of the JSON, as when the host's messageEncoding is
// "none") is read too.
func ParseDeletedItem(data []byte, siteURL string) (DeletedItem, error) {
	var m DeletedItem
	if err := json.Unmarshal(stillBase64(data), &m); err != nil {
		return m, fmt.Errorf("sharepoint: %w: not a JSON object: %v", ErrMalformedMessage, err)
	}
	switch {
	case m.V != MessageVersion:
		return m, fmt.Errorf("sharepoint: %w: version %d, want %d", ErrMalformedMessage, m.V, MessageVersion)
	case m.ItemID <= 0:
		return m, fmt.Errorf("sharepoint: %w: itemId %d is not positive", ErrMalformedMessage, m.ItemID)
	case strings.TrimSpace(m.ListID) == "":
		return m, fmt.Errorf("sharepoint: %w: no listId", ErrMalformedMessage)
	case strings.TrimSpace(m.ListTitle) == "":
		return m, fmt.Errorf("sharepoint: %w: no listTitle", ErrMalformedMessage)
	case !sameSite(m.SiteURL, siteURL):
		return m, fmt.Errorf("sharepoint: %w: site %q is not SPSiteUrl %q", ErrMalformedMessage, m.SiteURL, siteURL)
	}
	return m, nil
}

// stillBase64 returns the JSON object a base64 message holds, else data.
func stillBase64(data []byte) []byte {
	text := bytes.TrimSpace(data)
	if len(text) == 0 || text[0] == '{' {
		return data
	}
	decoded, err := base64.StdEncoding.DecodeString(string(text))
	if err != nil || !bytes.HasPrefix(bytes.TrimSpace(decoded), []byte("{")) {
		return data
	}
	return decoded
}

// SameList reports whether two list ids name the same list: GUIDs compared
// without regard to case or braces.
func SameList(a, b string) bool {
	trim := func(s string) string { return strings.Trim(strings.TrimSpace(s), "{}") }
	return trim(a) != "" && strings.EqualFold(trim(a), trim(b))
}

func sameSite(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(strings.TrimSpace(a), "/"), strings.TrimRight(strings.TrimSpace(b), "/"))
}
