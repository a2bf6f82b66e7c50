package spchangepoll

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/storage"
)

// state is the token blob: where the poll of one list stands.
type state struct {
	V           int       `json:"v"`
	SiteURL     string    `json:"siteUrl"`
	ListTitle   string    `json:"listTitle"`
	ChangeToken string    `json:"changeToken"`
	Updated     time.Time `json:"updated"`
	// Covered is when the last complete read asked SharePoint for the
	// page that came back empty: every change logged before it had been
	// read, so a read request made before it is already covered.
	Covered time.Time `json:"covered,omitzero"`
	// Lease names the run reading the log now, until LeaseUntil: another
	// run does not read alongside it, so no delete is queued twice.
	Lease      string    `json:"lease,omitempty"`
	LeaseUntil time.Time `json:"leaseUntil,omitzero"`
}

// leased reports whether another run holds a live lease at now.
func (st state) leased(now time.Time) bool {
	return st.Lease != "" && now.Before(st.LeaseUntil)
}

// stateStore reads and writes one list's token blob, guarded by its ETag.
type stateStore struct {
	account   *storage.Account
	container string
	name      string
}

// blobName names a list's token blob: <host>/<site path>/<list title>.json,
// each part escaped, so one container can hold the tokens of many lists.
func blobName(siteURL, listTitle string) string {
	u, err := url.Parse(siteURL)
	if err != nil {
		return url.PathEscape(siteURL) + "/" + url.PathEscape(listTitle) + ".json"
	}
	var parts []string
	for _, p := range strings.Split(strings.Trim(u.Host+u.Path, "/"), "/") {
		parts = append(parts, url.PathEscape(strings.ToLower(p)))
	}
	return strings.Join(parts, "/") + "/" + url.PathEscape(listTitle) + ".json"
}

// read returns the state and its ETag; found is false when there is no blob yet.
func (s stateStore) read(ctx context.Context) (st state, etag azcore.ETag, found bool, err error) {
	data, etag, err := s.account.ReadBlob(ctx, s.container, s.name)
	if errors.Is(err, storage.ErrNotFound) {
		return state{}, "", false, nil
	}
	if err != nil {
		return state{}, "", false, fmt.Errorf("sharepoint change poll: token blob: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil || st.ChangeToken == "" {
		return state{}, "", false, fmt.Errorf("sharepoint change poll: token blob %s/%s is not a token document; delete it to start from the current token", s.container, s.name)
	}
	return st, etag, true, nil
}

// write replaces the state if its ETag is still etag (empty: must not
// exist). A lost race returns storage.ErrConflict.
func (s stateStore) write(ctx context.Context, st state, etag azcore.ETag) (azcore.ETag, error) {
	st.V = 1
	data, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("sharepoint change poll: token blob: %w", err)
	}
	newETag, err := s.account.WriteBlob(ctx, s.container, s.name, data, etag)
	if err != nil && !errors.Is(err, storage.ErrConflict) {
		return "", fmt.Errorf("sharepoint change poll: token blob: %w", err)
	}
	return newETag, err
}

// newRunID names one poll as a lease owner.
func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
