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

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/storage"
)

// stateContainer holds one blob per source and target with the files
// already delivered.
const stateContainer = "ftpretrieve-state"

// stateVersion is the version of the state blob this code writes. Version
// 1 records carry no listing kind; they are kept, and get one the first
// time their file is seen again.
const stateVersion = 2

// How a listing gave a file's time (record.Listed).
const (
	listedMLSD = "mlsd"      // UTC to the second (RFC 3659)
	listedTime = "list"      // LIST: the server's wall clock, to the minute
	listedDate = "list-date" // LIST: the date alone (ls, for files over six months old)
)

// delivered is the state blob's content.
type delivered struct {
	Version int               `json:"v"`
	Source  string            `json:"source"` // server and folder, for people reading the blob
	Files   map[string]record `json:"files"`
	// UnparsedRuns counts the runs in a row whose listing had lines that
	// were not understood; 0 after a clean listing.
	UnparsedRuns int `json:"unparsedRuns,omitempty"`
}

// record is one delivered file. It is skipped while its name, size and
// listed modification time stay the same, and forgotten once the file is
// gone from the listing: a file that stays on the server is never
// delivered again, however long it stays.
type record struct {
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"` // as listed
	// Listed is how the listing gave Modified: listedMLSD, listedTime or
	// listedDate; empty in version 1 records.
	Listed    string    `json:"listed,omitempty"`
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
	// forgotten are the names dropped because their files are gone, with
	// the time of the listing that showed it; a record delivered after
	// that listing is kept.
	forgotten map[string]time.Time
	dirty     bool // something besides pending changed
	// unparsedRuns is this run's UnparsedRuns, once noted.
	unparsedRuns *int
}

// loadState reads the record for key, or starts an empty one.
func loadState(ctx context.Context, account *storage.Account, key, source string) (*state, error) {
	sum := sha256.Sum256([]byte(key))
	s := &state{account: account, blob: "delivered-" + hex.EncodeToString(sum[:12]) + ".json",
		data:    delivered{Version: stateVersion, Source: source, Files: map[string]record{}},
		pending: map[string]record{}, forgotten: map[string]time.Time{}}
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
	if d.Version > stateVersion {
		return fmt.Errorf("ftpretrieve: state %s/%s has version %d, newer than this build knows (%d): "+
			"run the newer build", stateContainer, s.blob, d.Version, stateVersion)
	}
	if d.Files == nil {
		d.Files = map[string]record{}
	}
	if d.Version < stateVersion {
		d.Version, s.dirty = stateVersion, true
	}
	d.Source = s.data.Source
	s.data, s.etag = d, etag
	return nil
}

// len returns the number of records.
func (s *state) len() int { return len(s.data.Files) }

// done reports whether this version of a listed file was delivered
// before. A version 1 record that matches learns how its time was listed.
func (s *state) done(e ftpsource.Entry) bool {
	r, ok := s.data.Files[e.Name]
	if !ok || r.Size != e.Size || !sameModTime(r, e) {
		return false
	}
	if r.Listed == "" {
		r.Listed = recordKind(r, e)
		s.data.Files[e.Name] = r
		s.dirty = true
	}
	return true
}

// add records a delivery; save writes it.
func (s *state) add(e ftpsource.Entry, to string, at time.Time) {
	r := record{Size: e.Size, Modified: e.ModTime, Listed: listedKind(e), Delivered: at.UTC(), To: to}
	s.data.Files[e.Name] = r
	s.pending[e.Name] = r
	delete(s.forgotten, e.Name)
}

// forgetAbsent drops the records of files that the listing taken at
// listedAt no longer shows. The caller passes only a complete listing.
func (s *state) forgetAbsent(files []ftpsource.Entry, listedAt time.Time) int {
	present := make(map[string]bool, len(files))
	for _, e := range files {
		present[e.Name] = true
	}
	n := 0
	for name, r := range s.data.Files {
		if !present[name] && r.Delivered.Before(listedAt) {
			delete(s.data.Files, name)
			s.forgotten[name] = listedAt
			n++
		}
	}
	return n
}

// save writes what changed since the last save. When another run wrote in
// between, it reads theirs, applies our changes again and retries.
func (s *state) save(ctx context.Context) error {
	if len(s.pending) == 0 && len(s.forgotten) == 0 && !s.dirty {
		return nil
	}
	if s.etag == "" {
		if err := s.account.EnsureContainer(ctx, stateContainer); err != nil {
			return fmt.Errorf("ftpretrieve: state: %w", err)
		}
	}
	for attempt := 0; ; attempt++ {
		raw, err := json.MarshalIndent(s.data, "", " ")
		if err != nil {
			return fmt.Errorf("ftpretrieve: state: %w", err)
		}
		etag, err := s.account.WriteBlob(ctx, stateContainer, s.blob, raw, s.etag)
		if err == nil {
			s.etag = etag
			clear(s.pending)
			clear(s.forgotten)
			s.dirty = false
			return nil
		}
		if !errors.Is(err, storage.ErrConflict) || attempt >= 4 {
			return fmt.Errorf("ftpretrieve: state: %w", err)
		}
		if err := s.read(ctx); err != nil {
			return err
		}
		s.reapply()
	}
}

// noteListing counts this run's listing in UnparsedRuns (one more run in a
// row with lines not understood, or back to 0) and returns the count.
func (s *state) noteListing(unparsed int) int {
	runs := 0
	if unparsed > 0 {
		runs = s.data.UnparsedRuns + 1
	}
	if runs != s.data.UnparsedRuns {
		s.data.UnparsedRuns, s.dirty = runs, true
	}
	s.unparsedRuns = &runs
	return runs
}

// reapply puts our changes on top of a record another run just wrote.
func (s *state) reapply() {
	if s.unparsedRuns != nil {
		s.data.UnparsedRuns = *s.unparsedRuns
	}
	for name, listedAt := range s.forgotten {
		if r, ok := s.data.Files[name]; ok && r.Delivered.Before(listedAt) {
			delete(s.data.Files, name)
		}
	}
	for name, r := range s.pending {
		s.data.Files[name] = r
	}
}

// listedKind says how the listing gave e's time.
func listedKind(e ftpsource.Entry) string {
	switch {
	case e.Precise:
		return listedMLSD
	case e.DateOnly:
		return listedDate
	}
	return listedTime
}

// recordKind says how the listing gave a record's time. A version 1
// record was written from the same server's listing as e; a LIST time of
// midnight in it may have been a date alone.
func recordKind(r record, e ftpsource.Entry) string {
	switch {
	case r.Listed != "":
		return r.Listed
	case e.Precise:
		return listedMLSD
	case isMidnight(r.Modified):
		return listedDate
	}
	return listedTime
}

// listingChangeSlack is how far apart two times of one file may be when
// the server changed how it lists (MLSD in UTC against LIST in its own
// zone, perhaps to the day): a zone's offset and a day.
const listingChangeSlack = maxZoneOffset + 24*time.Hour

// sameModTime compares a record's time with a listed one at the precision
// both share. MLSD times are exact. LIST shows a file's time to the minute
// while it is under six months old and then its date alone (ls and the
// servers that imitate it), so a file listed "Nov 30 10:15" in May is the
// same as "Nov 30  2026" in June: when either gives the date alone, the
// dates are compared, else the minutes.
func sameModTime(r record, e ftpsource.Entry) bool {
	rk, ek := recordKind(r, e), listedKind(e)
	if (rk == listedMLSD) != (ek == listedMLSD) {
		d := r.Modified.Sub(e.ModTime)
		return d < listingChangeSlack && d > -listingChangeSlack
	}
	if ek == listedMLSD {
		return r.Modified.Equal(e.ModTime)
	}
	a, b := r.Modified.UTC(), e.ModTime.UTC()
	if rk == listedDate || ek == listedDate {
		ay, am, ad := a.Date()
		by, bm, bd := b.Date()
		return ay == by && am == bm && ad == bd
	}
	return a.Truncate(time.Minute).Equal(b.Truncate(time.Minute))
}

// isMidnight reports whether t is 00:00, as a LIST date alone reads.
func isMidnight(t time.Time) bool {
	t = t.UTC()
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0
}
