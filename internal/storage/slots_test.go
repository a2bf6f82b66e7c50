package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// TestSlotsCapHolders: of 3 slots, 3 holders get one each and the fourth
// none; a released slot is taken again; another prefix has its own slots.
func TestSlotsCapHolders(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	var held []*storage.Slot
	for range 3 {
		s, err := acct.TakeSlot(ctx, "locks", "site-a", 3)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, s)
	}
	if _, err := acct.TakeSlot(ctx, "locks", "site-a", 3); !errors.Is(err, storage.ErrNoSlot) {
		t.Fatalf("a fourth holder of 3 slots: %v, want ErrNoSlot", err)
	}
	other, err := acct.TakeSlot(ctx, "locks", "site-b", 1)
	if err != nil {
		t.Fatalf("another site's slot: %v", err)
	}
	if err := held[1].Release(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := acct.TakeSlot(ctx, "locks", "site-a", 3)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	for _, s := range []*storage.Slot{held[0], held[2], other, again} {
		if err := s.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := acct.TakeSlot(ctx, "locks", "site-a", 0); err == nil {
		t.Error("0 slots: no error")
	}
}
