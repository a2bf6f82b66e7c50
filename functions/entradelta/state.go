package entradelta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/storage"
)

// stateBlob is the name of the state blob in EntraStateContainer.
const stateBlob = "state.json"

// state is where the export stands: the delta links after the last file,
// the last seq, the replica generation, and work in flight. It is written
// with its ETag, so two overlapping runs cannot both advance from it.
type state struct {
	V        int   `json:"v"`
	Seq      int64 `json:"seq"`      // the last change file committed; 0 none
	LastFull int64 `json:"lastFull"` // the newest full file's seq
	// LastFullTime and LastFullReason are when and why the newest full
	// file was written; a checkpoint is due EntraFullFileDays after it.
	LastFullTime   time.Time   `json:"lastFullTime,omitzero"`
	LastFullReason string      `json:"lastFullReason,omitempty"`
	UsersLink      string      `json:"usersLink,omitempty"`
	GroupsLink     string      `json:"groupsLink,omitempty"`
	LinksTime      time.Time   `json:"linksTime,omitzero"` // when the links were read
	Selection      string      `json:"selection,omitempty"`
	Replica        replicaInfo `json:"replica"`
	// Pending is a change file staged and about to be delivered: a run
	// that finds it delivers exactly that file (its bytes are kept in the
	// state container) and commits it before anything else.
	Pending *pending `json:"pending,omitempty"`
	// Progress is a round whose reading ran out of run budget.
	Progress *progress `json:"progress,omitempty"`
	Updated  time.Time `json:"updated"`
}

// pending is a staged change file and what committing it sets.
type pending struct {
	Seq        int64       `json:"seq"`
	Kind       string      `json:"kind"`
	Reason     string      `json:"reason,omitempty"` // why a full round
	Name       string      `json:"name"`
	Previous   int64       `json:"previous"`
	Created    time.Time   `json:"created,omitzero"` // the header's created time
	Objects    int         `json:"objects"`
	Size       int64       `json:"size"`
	SHA256     string      `json:"sha256"`
	Blob       string      `json:"blob"` // the staged copy in the state container
	UsersLink  string      `json:"usersLink"`
	GroupsLink string      `json:"groupsLink"`
	LinksTime  time.Time   `json:"linksTime"`
	Selection  string      `json:"selection"`
	Replica    replicaInfo `json:"replica"`
	Stats      Counts      `json:"stats"`
}

// progress is a round read in parts: each run that ran out of budget
// saved what it merged as one more part under staging/<ID>/.
type progress struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Reason    string    `json:"reason,omitempty"`
	Selection string    `json:"selection"`
	Parts     []string  `json:"parts,omitempty"` // staged part blobs, in order
	Started   time.Time `json:"started"`
	Users     stream    `json:"users"`
	Groups    stream    `json:"groups"`
}

// stream is where one delta stream stands: the next link to read, or once
// Done, the deltaLink it ended on.
type stream struct {
	Link string `json:"link"`
	Done bool   `json:"done,omitempty"`
}

// stateStore reads and writes the state blob, guarded by its ETag.
type stateStore struct {
	account   *storage.Account
	container string
}

// errLostRace reports that another run advanced the state first.
var errLostRace = errors.New("entra delta export: another run advanced the state first")

// read returns the state and its ETag; a missing blob is the zero state
// with an empty ETag.
func (s stateStore) read(ctx context.Context) (*state, azcore.ETag, error) {
	data, etag, err := s.account.ReadBlob(ctx, s.container, stateBlob)
	if errors.Is(err, storage.ErrNotFound) {
		return &state{}, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("entra delta export: state blob: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil || st.V != 1 {
		return nil, "", fmt.Errorf("entra delta export: state blob %s/%s is not a state document; "+
			"delete it (and the replica/ and staging/ folders) to start again with a full round", s.container, stateBlob)
	}
	return st, etag, nil
}

// write replaces the state if its ETag is still etag (empty: must not
// exist yet); a lost race returns errLostRace.
func (s stateStore) write(ctx context.Context, st *state, etag azcore.ETag, now time.Time) (azcore.ETag, error) {
	st.V, st.Updated = 1, now.UTC()
	data, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("entra delta export: state blob: %w", err)
	}
	newETag, err := s.account.WriteBlob(ctx, s.container, stateBlob, data, etag)
	if errors.Is(err, storage.ErrConflict) {
		return "", errLostRace
	}
	if err != nil {
		return "", fmt.Errorf("entra delta export: state blob: %w", err)
	}
	return newETag, nil
}
