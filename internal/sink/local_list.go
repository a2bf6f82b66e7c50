package sink

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/tenantops/tenantops/internal/remotename"
)

// List implements Lister: the regular files of the folder, hidden
// temporary files of unfinished Puts left out.
func (l *Local) List(ctx context.Context) ([]Listed, error) {
	dir := l.subfolder
	if dir == "" {
		dir = "."
	}
	entries, err := fs.ReadDir(l.root.FS(), dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sink: local: list: %w", err)
	}
	out := make([]Listed, 0, len(entries))
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sink: local: list: %w", err)
		}
		out = append(out, Listed{Name: e.Name(), Size: info.Size(), ModTime: info.ModTime()})
	}
	return out, nil
}

// Delete implements Lister.
func (l *Local) Delete(ctx context.Context, name string) error {
	if err := remotename.Check(name); err != nil {
		return fmt.Errorf("sink: local: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.root.Remove(l.rel(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sink: local: delete %s: %w", name, err)
	}
	return nil
}

// Compile-time check.
var _ Lister = (*Local)(nil)
