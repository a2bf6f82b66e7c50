package sink

import (
	"context"
	"time"
)

// Listed is a file found directly in a sink's folder.
type Listed struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// Lister lists and deletes the files directly in a sink's folder (its
// subfolder included, not deeper), for retention of delivered files.
type Lister interface {
	// List returns the files of the folder; a missing folder has none.
	List(ctx context.Context) ([]Listed, error)
	// Delete removes one file of the folder; a missing file is no error.
	Delete(ctx context.Context, name string) error
}
