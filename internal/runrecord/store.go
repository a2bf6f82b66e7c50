package runrecord

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/appendblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// Store reads and writes run records in one blob container. Its methods are
// safe for concurrent use: records of parallel runs append to the same day.
type Store struct {
	container *container.Client
}

// NewStore returns a store over a container client (of Container, in the
// app's storage account).
func NewStore(c *container.Client) *Store { return &Store{container: c} }

// Write keeps r as its function's latest record and appends it to the day's
// history. The first record of a day also deletes the days past Retention.
func (s *Store) Write(ctx context.Context, r Record) error {
	line, err := encode(r)
	if err != nil {
		return err
	}
	if err := s.ensureContainer(ctx); err != nil {
		return err
	}
	latest := s.container.NewBlockBlobClient(latestName(r.Function))
	if _, err := latest.UploadBuffer(ctx, line, nil); err != nil {
		return fmt.Errorf("runrecord: write %s: %w", latestName(r.Function), err)
	}
	created, err := s.appendLine(ctx, dayName(r.Function, r.Start), line)
	if err != nil {
		return err
	}
	if created {
		return s.prune(ctx, r.Function, r.Start.Add(-Retention))
	}
	return nil
}

func (s *Store) ensureContainer(ctx context.Context) error {
	_, err := s.container.Create(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return fmt.Errorf("runrecord: create container: %w", err)
	}
	return nil
}

// appendLine appends to a day's append blob, creating it first when it is
// new; created says whether this call created it.
func (s *Store) appendLine(ctx context.Context, name string, line []byte) (created bool, err error) {
	client := s.container.NewAppendBlobClient(name)
	for attempt := 0; attempt < 2; attempt++ {
		_, err = client.AppendBlock(ctx, streaming.NopCloser(bytes.NewReader(line)), nil)
		if err == nil || !bloberror.HasCode(err, bloberror.BlobNotFound) {
			break
		}
		_, cerr := client.Create(ctx, &appendblob.CreateOptions{AccessConditions: ifNoneMatchAny()})
		if cerr != nil && !bloberror.HasCode(cerr, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
			return false, fmt.Errorf("runrecord: create %s: %w", name, cerr)
		}
		created = cerr == nil
	}
	if err != nil {
		return created, fmt.Errorf("runrecord: append to %s: %w", name, err)
	}
	return created, nil
}

func ifNoneMatchAny() *blob.AccessConditions {
	anyTag := azcore.ETagAny
	return &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &anyTag}}
}

// prune deletes a function's history days before cutoff.
func (s *Store) prune(ctx context.Context, function string, cutoff time.Time) error {
	days, err := s.days(ctx, function)
	if err != nil {
		return err
	}
	for _, d := range days {
		if d.day.Before(cutoff.Truncate(24 * time.Hour)) {
			_, err := s.container.NewBlobClient(d.name).Delete(ctx, nil)
			if err != nil && !bloberror.HasCode(err, bloberror.BlobNotFound) {
				return fmt.Errorf("runrecord: delete %s: %w", d.name, err)
			}
		}
	}
	return nil
}

type historyDay struct {
	name string
	day  time.Time
}

// days lists a function's history blobs, oldest first.
func (s *Store) days(ctx context.Context, function string) ([]historyDay, error) {
	prefix := "runs/" + function + "/"
	pager := s.container.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	var out []historyDay
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("runrecord: list %s: %w", prefix, err)
		}
		for _, item := range page.Segment.BlobItems {
			if day, ok := dayOf(*item.Name); ok {
				out = append(out, historyDay{name: *item.Name, day: day})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].day.Before(out[j].day) })
	return out, nil
}

// ErrNoRecord is returned by Latest for a function that has none.
var ErrNoRecord = errors.New("runrecord: no run recorded")

// Latest returns a function's latest record, or ErrNoRecord.
func (s *Store) Latest(ctx context.Context, function string) (Record, error) {
	data, err := s.read(ctx, latestName(function))
	if err != nil {
		return Record{}, err
	}
	records := decodeLines(data)
	if len(records) == 0 {
		return Record{}, fmt.Errorf("runrecord: %s is not a run record", latestName(function))
	}
	return records[0], nil
}

// History returns a function's records that started at or after since,
// oldest first.
func (s *Store) History(ctx context.Context, function string, since time.Time) ([]Record, error) {
	days, err := s.days(ctx, function)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, d := range days {
		if d.day.Add(24 * time.Hour).Before(since) {
			continue
		}
		data, err := s.read(ctx, d.name)
		if errors.Is(err, ErrNoRecord) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, r := range decodeLines(data) {
			if !r.Start.Before(since) {
				out = append(out, r)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// Limits on what one read takes in: a latest record is one line of a few
// KiB at most; a day's history is bounded by the appends one append blob
// holds. A larger blob is not a record this package wrote.
const (
	maxLatestBytes = 1 << 20
	maxDayBytes    = 64 << 20
)

// ErrTooLarge is returned for a blob larger than any record this package
// writes; it is not read.
var ErrTooLarge = errors.New("runrecord: blob too large to be a run record")

func (s *Store) read(ctx context.Context, name string) ([]byte, error) {
	limit := int64(maxDayBytes)
	if strings.HasSuffix(name, "/latest.json") {
		limit = maxLatestBytes
	}
	resp, err := s.container.NewBlobClient(name).DownloadStream(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
		return nil, ErrNoRecord
	}
	if err != nil {
		return nil, fmt.Errorf("runrecord: read %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength != nil && *resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %s holds %d bytes, the limit is %d", ErrTooLarge, name, *resp.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("runrecord: read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s holds more than %d bytes", ErrTooLarge, name, limit)
	}
	return data, nil
}
