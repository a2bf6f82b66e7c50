// Package deleteditem is the queue message SharePointChangePoll sends and
// SharePointCleanup reads: one per deleted item of the watched list, a JSON
// object, base64-encoded on the queue like every message the host reads.
package deleteditem

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Version is the "v" of the messages this package writes and reads.
const Version = 1

// Message is one deleted item.
type Message struct {
	V           int       `json:"v"`
	SiteURL     string    `json:"siteUrl"`
	ListID      string    `json:"listId"`
	ListTitle   string    `json:"listTitle"`
	ItemID      int       `json:"itemId"`
	UniqueID    string    `json:"uniqueId"`
	ChangeToken string    `json:"changeToken"`
	Time        time.Time `json:"time"`
}

// ErrMalformed marks a message that can never be processed.
var ErrMalformed = errors.New("malformed message")

// Parse reads and checks a message: JSON, version 1, a positive item id, a
// list id and title, and a site URL equal to siteURL (without regard to
// case or a trailing slash). Whether the list is the watched one is for the
// caller to check. A message still in its queue encoding (base64 of the
// JSON, as when the host's messageEncoding is "none") is read too.
func Parse(data []byte, siteURL string) (Message, error) {
	var m Message
	if err := json.Unmarshal(stillBase64(data), &m); err != nil {
		return m, fmt.Errorf("deleted item: %w: not a JSON object: %v", ErrMalformed, err)
	}
	switch {
	case m.V != Version:
		return m, fmt.Errorf("deleted item: %w: version %d, want %d", ErrMalformed, m.V, Version)
	case m.ItemID <= 0:
		return m, fmt.Errorf("deleted item: %w: itemId %d is not positive", ErrMalformed, m.ItemID)
	case strings.TrimSpace(m.ListID) == "":
		return m, fmt.Errorf("deleted item: %w: no listId", ErrMalformed)
	case strings.TrimSpace(m.ListTitle) == "":
		return m, fmt.Errorf("deleted item: %w: no listTitle", ErrMalformed)
	case !sameSite(m.SiteURL, siteURL):
		return m, fmt.Errorf("deleted item: %w: site %q is not SPSiteUrl %q", ErrMalformed, m.SiteURL, siteURL)
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

func sameSite(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(strings.TrimSpace(a), "/"), strings.TrimRight(strings.TrimSpace(b), "/"))
}
