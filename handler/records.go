package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/runrecord"
	"github.com/tenantops/tenantops/internal/storage"
)

// recordTimeout bounds how long keeping a run record may hold up the answer
// to the host: a slow or unreachable status container costs the record, not
// the invocation.
const recordTimeout = 5 * time.Second

// recorder keeps run records in the app's storage account. It opens the
// account once per process, on first use.
type recorder struct {
	open   func() (*storage.Account, error)
	once   sync.Once
	opened *storage.Account
	store  *runrecord.Store
	err    error
}

func (rec *recorder) load() (*runrecord.Store, error) {
	rec.once.Do(func() {
		account, err := rec.open()
		if err != nil {
			rec.err = err
			return
		}
		rec.opened = account
		rec.store = runrecord.NewStore(account.Blob.ServiceClient().NewContainerClient(runrecord.Container))
	})
	return rec.store, rec.err
}

// account returns the app's storage account, opened once per process.
func (rec *recorder) account() (*storage.Account, error) {
	_, err := rec.load()
	return rec.opened, err
}

// summarize ends an invocation: one "run summary" line of fixed shape
// (outcome, seconds, the function's figures, the error of a failed run), and
// the same as a run record in the status container unless keep is false.
func (rec *recorder) summarize(ctx context.Context, log *slog.Logger, r runrecord.Record, keep bool) {
	attrs := []any{"outcome", r.Outcome, "seconds", r.Seconds, "figures", r.Figures}
	if r.OK() {
		log.Info("run summary", attrs...)
	} else {
		log.Error("run summary", append(attrs, "error", r.Error)...)
	}
	if !keep {
		return
	}
	store, err := rec.load()
	if err != nil {
		log.Warn("run record not kept: storage is not available", "error", err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := store.Write(ctx, r); err != nil {
		log.Warn("run record not kept", "error", err.Error())
	}
}
