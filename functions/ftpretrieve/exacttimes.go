package ftpretrieve

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/remotename"
)

// timeSource is what askExactTimes needs of the FTP source.
type timeSource interface {
	ModTime(ctx context.Context, path string) (time.Time, error)
}

// askExactTimes asks the server (MDTM, up to maxConns at once) for the
// exact modification time of every file that the run would fetch but
// whose listed time leaves its age in doubt. A server without MDTM leaves
// the listed times in charge, with one warning.
func askExactTimes(ctx context.Context, log *slog.Logger, c *config, src timeSource, entries []ftpsource.Entry, st *state) exactTimes {
	var doubtful []ftpsource.Entry
	for _, e := range entries {
		if c.pattern.Match(e.Name) && remotename.Check(e.Name) == nil && ageInDoubt(e, c) &&
			(st == nil || !st.done(e.Name, e.Size, e.ModTime)) {
			doubtful = append(doubtful, e)
		}
	}
	exact := exactTimes{}
	if len(doubtful) == 0 {
		return exact
	}
	var (
		mu          sync.Mutex
		wg          sync.WaitGroup
		unsupported bool
	)
	jobs := make(chan ftpsource.Entry)
	for range min(max(c.maxConns, 1), len(doubtful)) {
		wg.Go(func() {
			for e := range jobs {
				mu.Lock()
				skip := unsupported
				mu.Unlock()
				if skip {
					continue
				}
				t, err := src.ModTime(ctx, ftpsource.Join(c.sourceDir, e.Name))
				mu.Lock()
				switch {
				case err == nil:
					exact[e.Name] = t
				case errors.Is(err, ftpsource.ErrNoModTime):
					unsupported = true
				}
				mu.Unlock()
			}
		})
	}
	for _, e := range doubtful {
		jobs <- e
	}
	close(jobs)
	wg.Wait()
	if unsupported {
		log.Warn("the server lists times without a zone and offers no MDTM: FTPMinFileAge is judged on the listed times as if they were UTC",
			"server", c.server)
	}
	return exact
}
