package runrecord_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

func newStore(t *testing.T) *runrecord.Store {
	t.Helper()
	az := azuritetest.Start(t)
	return runrecord.NewStore(az.Account.Blob.ServiceClient().NewContainerClient(runrecord.Container))
}

func TestLatestAndHistory(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	if _, err := store.Latest(ctx, "FtpRetrieve"); !errors.Is(err, runrecord.ErrNoRecord) {
		t.Fatalf("Latest before any run: %v, want ErrNoRecord", err)
	}
	day := time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)
	for i := range 3 {
		start := day.Add(time.Duration(i) * 24 * time.Hour)
		var err error
		if i == 1 {
			err = errors.New("ftp: connection refused")
		}
		r := runrecord.New("FtpRetrieve", fmt.Sprint("inv-", i), start, 2*time.Second, map[string]any{"filesDelivered": i}, err)
		if err := store.Write(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	latest, err := store.Latest(ctx, "FtpRetrieve")
	if err != nil || latest.InvocationID != "inv-2" || !latest.OK() {
		t.Fatalf("Latest = %+v, %v", latest, err)
	}
	if n, ok := latest.Figure("filesDelivered"); !ok || n != 2 {
		t.Errorf("Figure(filesDelivered) = %v, %v", n, ok)
	}
	all, err := store.History(ctx, "FtpRetrieve", day.Add(-time.Hour))
	if err != nil || len(all) != 3 {
		t.Fatalf("History = %d records, %v", len(all), err)
	}
	if all[1].OK() || all[1].Error != "ftp: connection refused" {
		t.Errorf("the failed run reads back as %+v", all[1])
	}
	recent, _ := store.History(ctx, "FtpRetrieve", day.Add(36*time.Hour))
	if len(recent) != 1 || recent[0].InvocationID != "inv-2" {
		t.Errorf("History since a later time = %+v", recent)
	}
	if other, _ := store.History(ctx, "FtpRetrieveX", day); len(other) != 0 {
		t.Errorf("another function's history holds %d records", len(other))
	}
}

func TestParallelRunsAllLand(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	start := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- store.Write(ctx, runrecord.New("SharePointCleanup", fmt.Sprint(i), start.Add(time.Duration(i)*time.Second), time.Second, nil, nil))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.History(ctx, "SharePointCleanup", start)
	if err != nil || len(got) != 20 {
		t.Fatalf("History after 20 parallel runs = %d records, %v", len(got), err)
	}
}

func TestOldDaysArePruned(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	old := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	now := old.Add(runrecord.Retention + 48*time.Hour)
	for _, at := range []time.Time{old, now.Add(-24 * time.Hour), now} {
		if err := store.Write(ctx, runrecord.New("MimConfigBackup", at.String(), at, time.Minute, nil, nil)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := store.History(ctx, "MimConfigBackup", old.Add(-time.Hour))
	if len(got) != 2 || !got[0].Start.Equal(now.Add(-24*time.Hour)) {
		t.Errorf("after a new day, history = %+v; the day past retention should be gone", got)
	}
}

func TestNewBoundsTheErrorWithoutSplittingCharacters(t *testing.T) {
	long := strings.Repeat("é", 1000)
	r := runrecord.New("X", "1", time.Now(), time.Second, nil, errors.New(long))
	if r.Outcome != runrecord.Failed || len(r.Error) > 1030 || !strings.HasSuffix(r.Error, "…") {
		t.Fatalf("error kept as %d bytes, outcome %s", len(r.Error), r.Outcome)
	}
	if strings.ContainsRune(r.Error, '\uFFFD') {
		t.Error("the cut split a character")
	}
}

// TestOversizeBlobsAreRefused: a blob larger than any record this package
// writes (a latest record over 1 MiB, a day over 64 MiB) is not read into
// memory: the read fails with ErrTooLarge, naming the blob.
func TestOversizeBlobsAreRefused(t *testing.T) {
	ctx := context.Background()
	az := azuritetest.Start(t)
	c := az.Account.Blob.ServiceClient().NewContainerClient(runrecord.Container)
	store := runrecord.NewStore(c)
	if err := store.Write(ctx, runrecord.New("FtpRetrieve", "inv-1", time.Now(), time.Second, nil, nil)); err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC().Format(time.DateOnly)
	tests := []struct {
		name string
		size int
		read func() error
	}{
		{"runs/FtpRetrieve/latest.json", 1<<20 + 1, func() error { _, err := store.Latest(ctx, "FtpRetrieve"); return err }},
		{"runs/FtpRetrieve/" + day + ".jsonl", 64<<20 + 1, func() error {
			_, err := store.History(ctx, "FtpRetrieve", time.Now().Add(-time.Hour))
			return err
		}},
	}
	for _, tt := range tests {
		line := `{"function":"FtpRetrieve","outcome":"succeeded","error":"`
		body := line + strings.Repeat("x", tt.size-len(line)-3) + "\"}\n"
		if _, err := c.NewBlockBlobClient(tt.name).UploadBuffer(ctx, []byte(body), nil); err != nil {
			t.Fatal(err)
		}
		err := tt.read()
		if !errors.Is(err, runrecord.ErrTooLarge) || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("%s of %d bytes: read = %v, want ErrTooLarge naming it", tt.name, tt.size, err)
		}
	}
}
