package ftpretrieve

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
)

// timeSource is what askExactTimes needs of the FTP source.
type timeSource interface {
	ModTime(ctx context.Context, path string) (time.Time, error)
}

// askExactTimes asks the server (MDTM, up to maxConns at once) for the
// exact modification time of every file that the run would fetch but
// whose listed time leaves its age in doubt. On a server without MDTM the
// listed times stay in charge, with one warning.
func askExactTimes(ctx context.Context, log *slog.Logger, c *config, src timeSource, entries []ftpsource.Entry, st *state) exactTimes {
	doubtful := doubtfulAges(entries, c, st)
	if len(doubtful) == 0 {
		return exactTimes{}
	}
	a := &timeAsker{src: src, dir: c.sourceDir, exact: exactTimes{}}
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range min(max(c.maxConns, 1), len(doubtful)) {
		wg.Go(func() {
			for name := range jobs {
				a.ask(ctx, name)
			}
		})
	}
	for _, e := range doubtful {
		jobs <- e.Name
	}
	close(jobs)
	wg.Wait()
	if a.unsupported {
		log.Warn("the server lists times without a zone and offers no MDTM: FTPMinFileAge is judged on the listed "+
			"times as if they were UTC", "server", c.server)
	}
	return a.exact
}

// doubtfulAges returns the files the run would fetch, were they old
// enough, whose listed time cannot tell.
func doubtfulAges(entries []ftpsource.Entry, c *config, st *state) []ftpsource.Entry {
	var doubtful []ftpsource.Entry
	_, safe, _ := candidates(entries, c)
	for _, e := range safe {
		if ageInDoubt(e, c) && (st == nil || !st.done(e)) {
			doubtful = append(doubtful, e)
		}
	}
	return doubtful
}

// timeAsker collects MDTM answers from several goroutines.
type timeAsker struct {
	src timeSource
	dir string

	mu          sync.Mutex
	exact       exactTimes
	unsupported bool // the server has no MDTM: stop asking
}

// ask records the exact time of one file; a file the server cannot date
// keeps its listed time.
func (a *timeAsker) ask(ctx context.Context, name string) {
	a.mu.Lock()
	stop := a.unsupported
	a.mu.Unlock()
	if stop {
		return
	}
	t, err := a.src.ModTime(ctx, ftpsource.Join(a.dir, name))
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err == nil:
		a.exact[name] = t
	case errors.Is(err, ftpsource.ErrNoModTime):
		a.unsupported = true
	}
}
