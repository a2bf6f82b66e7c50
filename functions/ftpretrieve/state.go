package ftpretrieve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/storage"
)

// stateContainer holds one blob per source and target with the files
// already delivered.
const stateContainer = "ftpretrieve-state"

// forgetAfter drops records of deliveries older than this, so the state
// does not grow forever.
const forgetAfter = 90 * 24 * time.Hour

// delivered is the state blob's content.
type delivered struct {
	Version int               `json:"v"`
	Source  string            `json:"source"` // server and folder, for people reading the blob
	Files   map[string]record `json:"files"`
}

// record is one delivered file: it is skipped while name, size and
// modification time stay the same.
type record struct {
	Size      int64     `json:"size"`
	Modified  time.Time `json:"modified"`
	Delivered time.Time `json:"delivered"`
	To        string    `json:"to"`
}

// state is the delivered-files record of one source and target, kept in a
// blob and written with its ETag.
type state struct {
	account *storage.Account
	blob    string
	etag    azcore.ETag
	data    delivered
	pending map[string]record // recorded since the last save
}

// loadState reads the record for key, or starts an empty one.
func loadState(ctx context.Context, account *storage.Account, key, source string) (*state, error) {
	sum := sha256.Sum256([]byte(key))
	s := &state{account: account, blob: "delivered-" + hex.EncodeToString(sum[:12]) + ".json",
		data: delivered{Version: 1, Source: source, Files: map[string]record{}}, pending: map[string]record{}}
	return s, s.read(ctx)
}

func (s *state) read(ctx context.Context) error {
	raw, etag, err := s.account.ReadBlob(ctx, stateContainer, s.blob)
	if errors.Is(err, storage.ErrNotFound) {
		s.etag = ""
		return nil
	}
	if err != nil {
		return fmt.Errorf("ftpretrieve: state: %w", err)
	}
	var d delivered
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("ftpretrieve: state %s/%s is not valid JSON: %w", stateContainer, s.blob, err)
	}
	if d.Files == nil {
		d.Files = map[string]record{}
	}
	d.Source = s.data.Source
	s.data, s.etag = d, etag
	return nil
}

// done reports whether this version of a file was already delivered.
func (s *state) done(name string, size int64, modified time.Time) bool {
	r, ok := s.data.Files[name]
	return ok && r.Size == size && r.Modified.Equal(modified)
}

// add records a delivery; save writes it.
func (s *state) add(name string, r record) {
	s.data.Files[name] = r
	s.pending[name] = r
}

// save writes the records added since the last save. When another run
// wrote in between, it reads theirs, adds ours again and retries.
func (s *state) save(ctx context.Context, now time.Time) error {
	if len(s.pending) == 0 {
		return nil
	}
	if s.etag == "" {
		if err := s.account.EnsureContainer(ctx, stateContainer); err != nil {
			return fmt.Errorf("ftpretrieve: state: %w", err)
		}
	}
	for attempt := 0; ; attempt++ {
		for name, r := range s.data.Files {
			if now.Sub(r.Delivered) > forgetAfter {
				delete(s.data.Files, name)
			}
		}
		raw, err := json.MarshalIndent(s.data, "", " ")
		if err != nil {
			return fmt.Errorf("ftpretrieve: state: %w", err)
		}
		etag, err := s.account.WriteBlob(ctx, stateContainer, s.blob, raw, s.etag)
		if err == nil {
			s.etag = etag
			clear(s.pending)
			return nil
		}
		if !errors.Is(err, storage.ErrConflict) || attempt >= 4 {
			return fmt.Errorf("ftpretrieve: state: %w", err)
		}
		if err := s.read(ctx); err != nil {
			return err
		}
		for name, r := range s.pending {
			s.data.Files[name] = r
		}
	}
}
