package ftpretrieve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/sink"
)

// attempts is how often one file is tried within a run.
const attempts = 2

// saveEvery bounds how long delivered files go unrecorded during a run.
const saveEvery = 5 * time.Second

// ErrRejected is returned when the server listed files with unsafe names.
var ErrRejected = errors.New("unsafe file names on the server")

// run is one FtpRetrieve invocation: list, select, deliver, record. It
// ends with one summary line, also when it stops early.
func run(ctx context.Context, inv *function.Invocation) (err error) {
	start := time.Now()
	c, err := loadConfig(inv.Env, inv.Now())
	if err != nil {
		return err
	}
	log := inv.Log
	var sum summary
	defer func() { logSummary(log, c, sum, time.Since(start), err) }()

	account, st, err := openState(ctx, c, inv.Env)
	if err != nil {
		return err
	}
	dst, closeSink, err := openSink(ctx, c, inv.Env, account, log)
	if err != nil {
		return err
	}
	defer closeSink()
	src, err := ftpsource.Open(ctx, c.sourceOptions(log))
	if err != nil {
		return err
	}
	defer src.Close()

	listing, err := src.List(ctx, c.sourceDir)
	if err != nil {
		return err
	}
	entries := listing.Files
	sel := selectFiles(entries, c, st, askExactTimes(ctx, log, c, src, entries, st))
	logSelection(log, c, entries, sel)

	sum = transfer(ctx, log, c, src, dst, st, sel.fetch)
	sum.skipped = len(sel.young) + len(sel.delivered)
	sum.rejected = len(sel.rejected)
	return runError(sum, len(sel.fetch), saveFinal(ctx, st))
}

// logSummary writes the run's one summary line.
func logSummary(log *slog.Logger, c *config, sum summary, took time.Duration, err error) {
	attrs := []any{"fetched", sum.fetched, "skipped", sum.skipped, "rejected", sum.rejected,
		"failed", sum.failed, "bytes", sum.bytes, "seconds", seconds(took), "sink", c.target}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	log.Info("FtpRetrieve summary", attrs...)
}

// saveFinal records the run's deliveries, even when the run was cancelled
// (a host shutting down): what arrived should not be fetched again.
func saveFinal(ctx context.Context, st *state) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return st.save(ctx, time.Now())
}

// runError is the invocation's verdict: failed files, rejected names and an
// unsaved record each fail it.
func runError(sum summary, tried int, saveErr error) error {
	var errs []error
	if sum.failed > 0 {
		errs = append(errs, fmt.Errorf("ftpretrieve: %d of %d file(s) failed", sum.failed, tried))
	}
	if sum.rejected > 0 {
		errs = append(errs, fmt.Errorf("ftpretrieve: %d file(s) not fetched: %w", sum.rejected, ErrRejected))
	}
	if saveErr != nil {
		errs = append(errs, saveErr)
	}
	return errors.Join(errs...)
}

// logSelection explains what the listing held and what happens to it.
func logSelection(log *slog.Logger, c *config, entries []ftpsource.Entry, sel selection) {
	for _, r := range sel.rejected {
		log.Error("rejected unsafe file name", "file", fmt.Sprintf("%q", r.entry.Name), "why", r.why.Error())
	}
	for _, e := range sel.young {
		log.Info("skipped: modified too recently, may still be written", "file", e.Name, "modified", e.ModTime, "minAge", c.minAge.String())
	}
	for _, e := range sel.delivered {
		log.Info("skipped: delivered before", "file", e.Name, "bytes", e.Size)
	}
	if sel.matched == 0 {
		log.Warn("no file matches the pattern", "pattern", c.pattern.String(), "dir", c.sourceDir, "listed", len(entries))
	}
}

// summary counts a run's outcome.
type summary struct {
	fetched, skipped, rejected, failed int
	bytes                              int64
}

// outcome is one file's result.
type outcome struct {
	entry    ftpsource.Entry
	duration time.Duration
	err      error
}

// transfer fetches files with up to MaxConnections workers, logs each,
// and records the delivered ones.
func transfer(ctx context.Context, log *slog.Logger, c *config, src *ftpsource.Source, dst sink.Sink, st *state, files []ftpsource.Entry) summary {
	jobs := make(chan ftpsource.Entry)
	results := make(chan outcome, len(files))
	workers := min(max(c.maxConns, 1), len(files))
	for range workers {
		go func() {
			for e := range jobs {
				results <- deliver(ctx, log, c, src, dst, e)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, e := range files {
			select {
			case jobs <- e:
			case <-ctx.Done():
				return
			}
		}
	}()

	var sum summary
	lastSave := time.Now()
	for done := 0; done < len(files); done++ {
		var o outcome
		select {
		case o = <-results:
		case <-ctx.Done():
			sum.failed += len(files) - done
			return sum
		}
		if o.err != nil {
			sum.failed++
			log.Error("failed", "file", o.entry.Name, "bytes", o.entry.Size, "seconds", seconds(o.duration),
				"sink", dst.Kind(), "error", o.err.Error())
			continue
		}
		sum.fetched++
		sum.bytes += o.entry.Size
		log.Info("delivered", "file", o.entry.Name, "bytes", o.entry.Size, "seconds", seconds(o.duration),
			"MBps", mbps(o.entry.Size, o.duration), "sink", dst.Kind(), "to", dst.Where(o.entry.Name))
		st.add(o.entry.Name, record{Size: o.entry.Size, Modified: o.entry.ModTime, Delivered: time.Now().UTC(), To: dst.Where(o.entry.Name)})
		if time.Since(lastSave) > saveEvery {
			if err := st.save(ctx, time.Now()); err != nil {
				log.Warn("could not record deliveries yet; retrying at the end", "error", err.Error())
			}
			lastSave = time.Now()
		}
	}
	return sum
}

// deliver streams one file from the server into the sink, trying again
// once on failure.
func deliver(ctx context.Context, log *slog.Logger, c *config, src *ftpsource.Source, dst sink.Sink, e ftpsource.Entry) outcome {
	start := time.Now()
	var err error
	for try := 1; try <= attempts; try++ {
		if err = deliverOnce(ctx, c, src, dst, e); err == nil || ctx.Err() != nil {
			break
		}
		if try < attempts {
			log.Warn("retrying", "file", e.Name, "error", err.Error())
		}
	}
	return outcome{entry: e, duration: time.Since(start), err: err}
}

func deliverOnce(ctx context.Context, c *config, src *ftpsource.Source, dst sink.Sink, e ftpsource.Entry) error {
	r, err := src.Fetch(ctx, ftpsource.Join(c.sourceDir, e.Name), e.Size)
	if err != nil {
		return err
	}
	defer r.Close()
	return dst.Put(ctx, sink.File{Name: e.Name, Size: e.Size, ModTime: e.ModTime}, r)
}

func seconds(d time.Duration) float64 {
	return float64(d.Milliseconds()) / 1000
}

// mbps is megabytes (10^6) per second.
func mbps(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(int64(float64(bytes)/d.Seconds()/1e4)) / 100
}
