package ftpretrieve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/sink"
)

// runTimeout is how long a run may list and transfer: well inside
// host.json's functionTimeout (30 min), leaving time for the transfers in
// progress to stop (stopWait) and for the record to be saved (saveTimeout).
var runTimeout = 25 * time.Minute

// saveTimeout bounds the final save of the record.
const saveTimeout = 30 * time.Second

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
	var sum summary
	defer func() { logSummary(inv.Log, c, sum, time.Since(start), err) }()
	runCtx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()

	account, st, err := openState(runCtx, c, inv.Env)
	if err != nil {
		return err
	}
	dst, err := clients.OpenSink(runCtx, c.target, account, inv.Log)
	if err != nil {
		return err
	}
	defer closeSink(dst, inv.Log)
	src, err := ftpsource.Open(runCtx, c.sourceOptions(inv.Log))
	if err != nil {
		return err
	}
	defer src.Close()

	sum, err = retrieve(runCtx, inv, c, src, dst.Sink, st)
	if err != nil {
		return err
	}
	saveErr := saveFinal(runCtx, st)
	inv.Figure("stateRecords", st.len())
	return runError(sum, stopCause(ctx, runCtx), saveErr)
}

// retrieve lists the source folder, selects, and transfers. Transfers
// still in progress when ctx ends are waited for (stopWait), so that what
// finished is recorded and nothing is left half-written.
func retrieve(ctx context.Context, inv *function.Invocation, c *config, src *ftpsource.Source, dst sink.Sink, st *state) (summary, error) {
	listedAt := time.Now()
	listing, err := src.List(ctx, c.sourceDir)
	if err != nil {
		return summary{}, err
	}
	reportUnparsed(inv.Log, c, listing.Unparsed)
	inv.Figure("listingUnparsed", len(listing.Unparsed))
	recordUnparsedRuns(inv, c, st.noteListing(len(listing.Unparsed)))
	if len(listing.Unparsed) == 0 {
		st.forgetAbsent(listing.Files, listedAt)
	}
	entries := listing.Files
	sel := selectFiles(entries, c, st, askExactTimes(ctx, inv.Log, c, src, entries, st))
	logSelection(inv.Log, c, entries, sel)
	inv.Figure("filesSkipped", len(sel.young)+len(sel.delivered))
	inv.Figure("filesRefused", len(sel.rejected))

	sum := transfer(ctx, inv.Log, c, src, dst, st, sel.fetch)
	sum.skipped = len(sel.young) + len(sel.delivered)
	sum.rejected = len(sel.rejected)
	sum.unparsed = len(listing.Unparsed)
	inv.Figure("filesDelivered", sum.fetched)
	inv.Figure("filesFailed", sum.failed)
	inv.Figure("bytesDelivered", sum.bytes)
	if sum.notAttempted > 0 {
		inv.Figure("filesNotAttempted", sum.notAttempted)
	}
	return sum, nil
}

// recordUnparsedRuns records how many runs in a row listed lines that were
// not understood, and whether that reached FTPUnparsedRunsLimit: the figure
// the alert reads (a file on such a line is never fetched, while every run
// succeeds).
func recordUnparsedRuns(inv *function.Invocation, c *config, runs int) {
	inv.Figure("listingUnparsedRuns", runs)
	atLimit := 0
	if runs >= c.unparsedRunsLimit {
		atLimit = 1
		inv.Log.Error("listing lines not understood in too many runs in a row: files on them are never fetched",
			"runs", runs, "limit", c.unparsedRunsLimit, "dir", c.sourceDir)
	}
	inv.Figure("listingUnparsedAtLimit", atLimit)
}

// maxUnparsedShown caps the unreadable listing lines quoted in the log.
const maxUnparsedShown = 10

// reportUnparsed warns about listing lines the FTP library could not
// read: a file on such a line is never seen, so never fetched.
func reportUnparsed(log *slog.Logger, c *config, lines []string) {
	if len(lines) == 0 {
		return
	}
	log.Warn("listing lines not understood: files on them are not seen, and no delivered file is forgotten this run",
		"dir", c.sourceDir, "count", len(lines), "lines", quoteLines(lines, maxUnparsedShown))
}

// quoteLines quotes at most n lines, each cut to 200 bytes.
func quoteLines(lines []string, n int) []string {
	out := make([]string, 0, min(n, len(lines)))
	for _, l := range lines[:min(n, len(lines))] {
		if len(l) > 200 {
			l = l[:200] + "..."
		}
		out = append(out, fmt.Sprintf("%q", l))
	}
	return out
}

// logSummary writes the run's one summary line.
func logSummary(log *slog.Logger, c *config, sum summary, took time.Duration, err error) {
	attrs := []any{"fetched", sum.fetched, "skipped", sum.skipped, "rejected", sum.rejected,
		"failed", sum.failed, "notAttempted", sum.notAttempted, "unparsed", sum.unparsed,
		"bytes", sum.bytes, "seconds", seconds(took), "sink", c.target.Kind}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	log.Info("FtpRetrieve summary", attrs...)
}

// saveFinal records the run's deliveries, even when the run was stopped
// (its deadline, a host shutting down): what arrived should not be
// fetched again.
func saveFinal(ctx context.Context, st *state) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	return st.save(ctx)
}

// stopCause says why a run stopped early, or nil when it did not: the
// invocation was cancelled (parent), or the run reached its own deadline.
func stopCause(parent, runCtx context.Context) error {
	switch {
	case parent.Err() != nil:
		return fmt.Errorf("the invocation was cancelled (%w)", context.Cause(parent))
	case runCtx.Err() != nil:
		return fmt.Errorf("the run reached its deadline of %s (%w)", runTimeout, runCtx.Err())
	}
	return nil
}

// runError is the invocation's verdict: a stop before the end, failed
// files, rejected names and an unsaved record each fail it.
func runError(sum summary, stopped, saveErr error) error {
	var errs []error
	tried := sum.fetched + sum.failed
	switch {
	case stopped != nil:
		errs = append(errs, fmt.Errorf("ftpretrieve: stopped early: %w: %d file(s) delivered and recorded, "+
			"%d failed or cut short, %d not attempted; the next run fetches what is missing",
			stopped, sum.fetched, sum.failed, sum.notAttempted))
	case sum.failed > 0:
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
