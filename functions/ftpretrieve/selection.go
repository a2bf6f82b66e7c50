package ftpretrieve

import (
	"fmt"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/remotename"
)

// listPrecision is added to the age of files whose listing has no
// seconds, so a file is never taken for older than it is.
const listPrecision = time.Minute

// selection sorts a listing into what to fetch and why the rest is not.
type selection struct {
	matched   int               // files whose name matches the pattern
	fetch     []ftpsource.Entry // to download
	rejected  []rejection       // unsafe names
	young     []ftpsource.Entry // modified within FTPMinFileAge
	delivered []ftpsource.Entry // delivered before, unchanged
}

// rejection is a matching file whose name is unsafe.
type rejection struct {
	entry ftpsource.Entry
	why   error
}

// exactTimes maps file names to modification times the server reported
// exactly (MDTM, in UTC) for files whose listed time was not enough.
type exactTimes map[string]time.Time

// selectFiles applies the pattern, the name checks, the delivered record
// (nil: none) and the minimum age to a listing.
func selectFiles(entries []ftpsource.Entry, c *config, st *state, exact exactTimes) selection {
	var sel selection
	var safe []ftpsource.Entry
	sel.matched, safe, sel.rejected = candidates(entries, c)
	for _, e := range safe {
		if st != nil && st.done(e) {
			sel.delivered = append(sel.delivered, e)
			continue
		}
		if t, ok := exact[e.Name]; ok {
			if c.now.Sub(t) < c.minAge {
				e.ModTime, e.Precise = t, true // for the log; the record keeps the listed time
				sel.young = append(sel.young, e)
				continue
			}
		} else if tooYoung(e, c) {
			sel.young = append(sel.young, e)
			continue
		}
		sel.fetch = append(sel.fetch, e)
	}
	return sel
}

// candidates sorts the files that match the pattern into those with safe
// names, which the run may fetch, and the rejected rest. It is the one
// place that decides which listed files a run considers.
func candidates(entries []ftpsource.Entry, c *config) (matched int, safe []ftpsource.Entry, rejected []rejection) {
	folded := foldedNames(entries, c)
	for _, e := range entries {
		if !c.pattern.Match(e.Name) {
			continue
		}
		matched++
		if err := remotename.Check(e.Name); err != nil {
			rejected = append(rejected, rejection{e, err})
			continue
		}
		if folded[strings.ToUpper(e.Name)] > 1 {
			rejected = append(rejected, rejection{e, fmt.Errorf("%w %q: another matching file differs "+
				"from it only in case, and Windows folders do not tell such names apart", remotename.ErrUnsafe, e.Name)})
			continue
		}
		safe = append(safe, e)
	}
	return matched, safe, rejected
}

// foldedNames counts the matching names by their upper-case form: NTFS
// keeps case but ignores it ("consider the names OSCAR, Oscar, and oscar
// to be the same"), so two such files would land on one target file.
func foldedNames(entries []ftpsource.Entry, c *config) map[string]int {
	n := map[string]int{}
	for _, e := range entries {
		if c.pattern.Match(e.Name) {
			n[strings.ToUpper(e.Name)]++
		}
	}
	return n
}

// tooYoung reports whether a file may still be being written, judged by
// its listed time.
func tooYoung(e ftpsource.Entry, c *config) bool {
	if c.minAge <= 0 {
		return false
	}
	modified := e.ModTime
	if !e.Precise {
		modified = modified.Add(listPrecision)
	}
	return c.now.Sub(modified) < c.minAge
}

// maxZoneOffset is how far a server's clock zone can be from UTC (UTC+14
// is the farthest; UTC-12 the other way).
const maxZoneOffset = 14 * time.Hour

// ageInDoubt reports whether a listed time cannot settle FTPMinFileAge. A
// LIST time (no MLSD) is the server's wall clock in a zone the protocol
// does not name, so the true time may lie up to maxZoneOffset either side
// of it; only files listed that long before the age limit are surely old.
func ageInDoubt(e ftpsource.Entry, c *config) bool {
	if e.Precise || c.minAge <= 0 {
		return false
	}
	latest := e.ModTime.Add(maxZoneOffset + listPrecision)
	return c.now.Sub(latest) < c.minAge
}
