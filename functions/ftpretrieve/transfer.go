package ftpretrieve

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/sink"
)

// attempts is how often one file is tried within a run.
const attempts = 2

// saveEvery bounds how long delivered files go unrecorded during a run.
const saveEvery = 5 * time.Second

// stopWait bounds how long a stopped run waits for the transfers in
// progress to end (each sink removes its partial file when told to stop)
// before it records what finished and returns.
var stopWait = 20 * time.Second

// summary counts a run's outcome.
type summary struct {
	fetched, skipped, rejected, failed int
	notAttempted                       int // left when the run stopped early
	unparsed                           int // listing lines not understood
	bytes                              int64
}

// outcome is one file's result.
type outcome struct {
	entry    ftpsource.Entry
	duration time.Duration
	err      error
	started  bool // false: the run stopped before the file's turn
}

// transfer fetches files with up to MaxConnections workers, logs each,
// and records the delivered ones. When ctx ends no file is started any
// more, and the transfers in progress, told to stop, are waited for up to
// stopWait, so that what finished is recorded and none is still writing
// when the sinks close.
func transfer(ctx context.Context, log *slog.Logger, c *config, src *ftpsource.Source, dst sink.Sink, st *state, files []ftpsource.Entry) summary {
	results := make(chan outcome, len(files))
	workersDone, handedOut := startWorkers(ctx, log, c, src, dst, files, results)

	rec := &recorder{log: log, dst: dst, st: st, lastSave: time.Now()}
	stopping := ctx.Done()
	var giveUp <-chan time.Time
	for collected := 0; collected < len(files); {
		select {
		case o := <-results:
			collected++
			rec.record(ctx, o)
		case <-workersDone:
			collected = len(files) // every result is in the channel
			for len(results) > 0 {
				rec.record(ctx, <-results)
			}
		case <-stopping:
			stopping, giveUp = nil, time.After(stopWait)
		case <-giveUp:
			for len(results) > 0 {
				rec.record(ctx, <-results)
			}
			running := int(handedOut.Load()) - rec.started - rec.notStarted
			log.Warn("transfers still running after the run stopped; not recorded", "files", running,
				"waited", stopWait.String())
			rec.sum.failed += running
			collected = len(files)
		}
	}
	rec.sum.notAttempted = len(files) - int(handedOut.Load()) + rec.notStarted
	return rec.sum
}

// startWorkers hands files to up to MaxConnections workers until ctx ends.
// It returns a channel closed once every worker has returned, and the
// count of files handed out.
func startWorkers(ctx context.Context, log *slog.Logger, c *config, src *ftpsource.Source, dst sink.Sink,
	files []ftpsource.Entry, results chan<- outcome) (<-chan struct{}, *atomic.Int64) {
	jobs := make(chan ftpsource.Entry)
	var handedOut atomic.Int64
	var wg sync.WaitGroup
	for range min(max(c.maxConns, 1), len(files)) {
		wg.Go(func() {
			for e := range jobs {
				if ctx.Err() != nil {
					results <- outcome{entry: e}
					continue
				}
				results <- deliver(ctx, log, c, src, dst, e)
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, e := range files {
			select {
			case jobs <- e:
				handedOut.Add(1)
			case <-ctx.Done():
				return
			}
		}
	}()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done, &handedOut
}

// recorder logs and records outcomes as they arrive.
type recorder struct {
	log                 *slog.Logger
	dst                 sink.Sink
	st                  *state
	sum                 summary
	started, notStarted int
	lastSave            time.Time
}

// record logs one outcome and records a delivery, saving the record now
// and then while the run goes on.
func (r *recorder) record(ctx context.Context, o outcome) {
	if !o.started {
		r.notStarted++
		return
	}
	r.started++
	if o.err != nil {
		r.sum.failed++
		r.log.Error("failed", "file", o.entry.Name, "bytes", o.entry.Size, "seconds", seconds(o.duration),
			"sink", r.dst.Kind(), "error", o.err.Error())
		return
	}
	r.sum.fetched++
	r.sum.bytes += o.entry.Size
	to := r.dst.Where(o.entry.Name)
	r.log.Info("delivered", "file", o.entry.Name, "bytes", o.entry.Size, "seconds", seconds(o.duration),
		"MBps", mbps(o.entry.Size, o.duration), "sink", r.dst.Kind(), "to", to)
	r.st.add(o.entry, to, time.Now())
	if time.Since(r.lastSave) > saveEvery && ctx.Err() == nil {
		if err := r.st.save(ctx); err != nil {
			r.log.Warn("could not record deliveries yet; retrying at the end", "error", err.Error())
		}
		r.lastSave = time.Now()
	}
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
	return outcome{entry: e, duration: time.Since(start), err: err, started: true}
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
