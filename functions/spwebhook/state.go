package spwebhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/storage"
)

// State is the webhook state blob of one list: the list's id, resolved by
// SharePointChangePoll's upkeep, and the one subscription of ours on it.
type State struct {
	V              int       `json:"v"`
	SiteURL        string    `json:"siteUrl"`
	ListTitle      string    `json:"listTitle"`
	ListID         string    `json:"listId"`
	SubscriptionID string    `json:"subscriptionId,omitempty"`
	Expiration     time.Time `json:"expiration,omitzero"`
	// NotificationHost is the host of the URL the subscription notifies
	// (never the URL: it holds the key).
	NotificationHost string    `json:"notificationHost,omitempty"`
	Updated          time.Time `json:"updated"`
}

// StateRef names one list's webhook state in the state container.
type StateRef struct {
	Account   *storage.Account
	Container string // SPStateContainer
	SiteURL   string
	ListTitle string
}

// BlobName is the state blob's name: webhook/<host>/<site path>/<list title>.json.
func (r StateRef) BlobName() string {
	return "webhook/" + listPath(r.SiteURL, r.ListTitle) + ".json"
}

// notifiedBlobName is the blob that holds when the last notification came.
func (r StateRef) notifiedBlobName() string {
	return "webhook/" + listPath(r.SiteURL, r.ListTitle) + ".notified.json"
}

// listPath is <host>/<site path>/<list title>, each part escaped.
func listPath(siteURL, listTitle string) string {
	u, err := url.Parse(siteURL)
	if err != nil {
		return url.PathEscape(siteURL) + "/" + url.PathEscape(listTitle)
	}
	var parts []string
	for _, p := range strings.Split(strings.Trim(u.Host+u.Path, "/"), "/") {
		parts = append(parts, url.PathEscape(strings.ToLower(p)))
	}
	return strings.Join(parts, "/") + "/" + url.PathEscape(listTitle)
}

// ErrNoState is returned when a list has no webhook state yet.
var ErrNoState = errors.New("spwebhook: no webhook state yet")

// Read returns the state and its ETag, or ErrNoState.
func (r StateRef) Read(ctx context.Context) (State, azcore.ETag, error) {
	data, etag, err := r.Account.ReadBlob(ctx, r.Container, r.BlobName())
	if errors.Is(err, storage.ErrNotFound) {
		return State{}, "", ErrNoState
	}
	if err != nil {
		return State{}, "", fmt.Errorf("spwebhook: state blob: %w", err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return State{}, "", fmt.Errorf("spwebhook: state blob %s/%s is not a webhook state document", r.Container, r.BlobName())
	}
	return st, etag, nil
}

// Write replaces the state if its ETag is still etag (empty: must not
// exist); a lost race returns storage.ErrConflict.
func (r StateRef) Write(ctx context.Context, st State, etag azcore.ETag) (azcore.ETag, error) {
	st.V, st.SiteURL, st.ListTitle = 1, r.SiteURL, r.ListTitle
	data, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("spwebhook: state blob: %w", err)
	}
	newETag, err := r.Account.WriteBlob(ctx, r.Container, r.BlobName(), data, etag)
	if err != nil && !errors.Is(err, storage.ErrConflict) {
		return "", fmt.Errorf("spwebhook: state blob: %w", err)
	}
	if err == nil {
		listIDs.Store(r.cacheKey(), st.ListID)
	}
	return newETag, err
}

// listIDs caches each list's id per process: a notification costs one
// small blob read the first time only.
var listIDs sync.Map

func (r StateRef) cacheKey() string { return r.Container + "/" + r.BlobName() }

// cachedListID returns the watched list's id ("" when there is no state
// yet), from the cache unless fresh is set.
func (r StateRef) cachedListID(ctx context.Context, fresh bool) (string, error) {
	if v, ok := listIDs.Load(r.cacheKey()); ok && !fresh {
		return v.(string), nil
	}
	st, _, err := r.Read(ctx)
	if errors.Is(err, ErrNoState) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	listIDs.Store(r.cacheKey(), st.ListID)
	return st.ListID, nil
}

// notified is the blob that says when the last notification was read.
type notified struct {
	Requested time.Time `json:"requested"`
}

// RecordNotified saves when the notification behind a change log read was
// made, for status and the alerts. Last writer wins.
func (r StateRef) RecordNotified(ctx context.Context, at time.Time) error {
	data, _ := json.Marshal(notified{Requested: at.UTC()})
	if _, err := r.Account.Blob.UploadBuffer(ctx, r.Container, r.notifiedBlobName(), data, nil); err != nil {
		return fmt.Errorf("spwebhook: notified blob: %w", err)
	}
	return nil
}

// LastNotified returns when the last notification read was made (zero
// when none has been).
func (r StateRef) LastNotified(ctx context.Context) (time.Time, error) {
	data, _, err := r.Account.ReadBlob(ctx, r.Container, r.notifiedBlobName())
	if errors.Is(err, storage.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("spwebhook: notified blob: %w", err)
	}
	var n notified
	if err := json.Unmarshal(data, &n); err != nil {
		return time.Time{}, fmt.Errorf("spwebhook: notified blob is not JSON")
	}
	return n.Requested, nil
}
