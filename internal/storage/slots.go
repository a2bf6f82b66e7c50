package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"
)

// slotLease is how long a slot's lease lasts between renewals: a holder
// that dies without releasing it frees the slot this long after.
const slotLease = 60 * time.Second

// ErrNoSlot is returned by TakeSlot when every slot is held.
var ErrNoSlot = errors.New("storage: every slot is taken")

// Slot is one of a fixed number of places, held by a blob lease and renewed
// while held. It caps how many holders across every instance of the app do
// something at once.
type Slot struct {
	lease *lease.BlobClient
	stop  chan struct{}
	done  sync.WaitGroup
}

// TakeSlot takes one of n slots, the blobs <prefix>/0 … <prefix>/<n-1> in
// container (created when missing), trying them in random order; it
// returns ErrNoSlot when all n are held. The slot is held until Release,
// or until slotLease after its holder stops renewing it.
func (a *Account) TakeSlot(ctx context.Context, container, prefix string, n int) (*Slot, error) {
	if n < 1 {
		return nil, fmt.Errorf("storage: take a slot of %s/%s: want at least one slot", container, prefix)
	}
	if err := a.EnsureContainer(ctx, container); err != nil {
		return nil, err
	}
	for _, i := range rand.Perm(n) {
		slot, err := a.takeSlot(ctx, container, prefix+"/"+strconv.Itoa(i))
		if errors.Is(err, ErrNoSlot) {
			continue
		}
		return slot, err
	}
	return nil, ErrNoSlot
}

func (a *Account) takeSlot(ctx context.Context, container, name string) (*Slot, error) {
	client := a.Blob.ServiceClient().NewContainerClient(container).NewBlockBlobClient(name)
	_, err := client.UploadBuffer(ctx, nil, &blockblob.UploadBufferOptions{AccessConditions: &blob.AccessConditions{
		ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: ptr(azcore.ETagAny)}}})
	if err != nil && !bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet, bloberror.LeaseIDMissing) {
		return nil, fmt.Errorf("storage: slot %s/%s: %w", container, name, err)
	}
	held, err := lease.NewBlobClient(client, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: slot %s/%s: %w", container, name, err)
	}
	if _, err := held.AcquireLease(ctx, int32(slotLease/time.Second), nil); err != nil {
		if bloberror.HasCode(err, bloberror.LeaseAlreadyPresent) {
			return nil, ErrNoSlot
		}
		return nil, fmt.Errorf("storage: slot %s/%s: %w", container, name, err)
	}
	s := &Slot{lease: held, stop: make(chan struct{})}
	s.done.Add(1)
	go s.renew()
	return s, nil
}

// renew keeps the lease until Release.
func (s *Slot) renew() {
	defer s.done.Done()
	tick := time.NewTicker(slotLease / 3)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), slotLease/3)
			_, _ = s.lease.RenewLease(ctx, nil) // a missed renewal is retried at the next tick
			cancel()
		}
	}
}

// Release gives the slot back.
func (s *Slot) Release(ctx context.Context) error {
	close(s.stop)
	s.done.Wait()
	if _, err := s.lease.ReleaseLease(ctx, nil); err != nil {
		return fmt.Errorf("storage: release slot: %w", err)
	}
	return nil
}
