package ftpretrieve

import (
	"context"
	"fmt"
	"strings"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/function"
)

// check logs in, lists the source folder and reports what the pattern
// selects today, without downloading anything.
func check(ctx context.Context, inv *function.Invocation) []function.CheckResult {
	row := func(dep string) function.CheckResult { return function.CheckResult{Dependency: "FtpRetrieve " + dep} }
	settingsRow := row("settings")
	c, err := loadConfig(inv.Env, inv.Now())
	if err != nil {
		settingsRow.Why = err.Error()
		return []function.CheckResult{settingsRow}
	}
	settingsRow.OK, settingsRow.Why = true, fmt.Sprintf("target %s, pattern today %q", c.target.Kind, c.pattern.String())
	rows := []function.CheckResult{settingsRow}

	login := row(fmt.Sprintf("FTP login %s (TLS %s)", c.server, c.tlsMode))
	src, err := ftpsource.Open(ctx, c.sourceOptions(inv.Log))
	if err != nil {
		login.Why = err.Error()
		return append(rows, login)
	}
	defer src.Close()
	login.OK, login.Why = true, "logged in as "+c.user
	rows = append(rows, login)

	list := row(fmt.Sprintf("FTP list %q", c.sourceDir))
	listing, err := src.List(ctx, c.sourceDir)
	if err != nil {
		list.Why = err.Error()
		return append(rows, list)
	}
	entries := listing.Files
	list.OK, list.Why = true, fmt.Sprintf("%d file(s)", len(entries))
	if n := len(listing.Unparsed); n > 0 {
		list.Why += fmt.Sprintf("; %d line(s) not understood (a warning: files on them are never fetched): %s",
			n, shortList(quoteLines(listing.Unparsed, len(listing.Unparsed))))
	}
	rows = append(rows, list)

	return append(rows, selectionRow(ctx, inv, c, src, entries))
}

// maxNamesShown caps the file names listed in the selection row.
const maxNamesShown = 20

// selectionRow reports what today's run would fetch. Without storage it
// cannot tell which files were delivered before, and says so.
func selectionRow(ctx context.Context, inv *function.Invocation, c *config, src timeSource, entries []ftpsource.Entry) function.CheckResult {
	r := function.CheckResult{Dependency: "FtpRetrieve selection today"}
	var st *state
	note := ""
	if account, err := clients.Storage(inv.Env); err == nil {
		if st, err = loadState(ctx, account, c.stateKey(), c.server+" "+c.sourceDir); err != nil {
			st, note = nil, "; delivered files unknown: "+err.Error()
		}
	} else {
		note = "; delivered files unknown: " + err.Error()
	}
	sel := selectFiles(entries, c, st, askExactTimes(ctx, inv.Log, c, src, entries, st))
	names := make([]string, 0, len(sel.fetch))
	for _, e := range sel.fetch {
		names = append(names, e.Name)
	}
	unsafe := make([]string, 0, len(sel.rejected))
	for _, rj := range sel.rejected {
		unsafe = append(unsafe, fmt.Sprintf("%q", rj.entry.Name))
	}
	r.Why = fmt.Sprintf("pattern %q matches %d: would fetch %d [%s], %d already delivered, %d too recent, %d unsafe name(s) [%s]%s",
		c.pattern.String(), sel.matched, len(sel.fetch), shortList(names), len(sel.delivered), len(sel.young),
		len(sel.rejected), shortList(unsafe), note)
	r.OK = len(sel.rejected) == 0
	if sel.matched == 0 {
		r.Why = fmt.Sprintf("pattern %q matches nothing among %d file(s) (a warning: the run will not fail)%s", c.pattern.String(), len(entries), note)
		r.OK = true
	}
	return r
}

// shortList joins at most maxNamesShown names and says how many more.
func shortList(names []string) string {
	if len(names) > maxNamesShown {
		more := fmt.Sprintf("and %d more", len(names)-maxNamesShown)
		names = append(names[:maxNamesShown:maxNamesShown], more)
	}
	return strings.Join(names, ", ")
}
