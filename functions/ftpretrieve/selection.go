package ftpretrieve

import (
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

// selectFiles applies the pattern, the name checks, the minimum age and
// the delivered record (nil: none) to a listing.
func selectFiles(entries []ftpsource.Entry, c *config, st *state) selection {
	var sel selection
	for _, e := range entries {
		if !c.pattern.Match(e.Name) {
			continue
		}
		sel.matched++
		if err := remotename.Check(e.Name); err != nil {
			sel.rejected = append(sel.rejected, rejection{e, err})
			continue
		}
		if tooYoung(e, c) {
			sel.young = append(sel.young, e)
			continue
		}
		if st != nil && st.done(e.Name, e.Size, e.ModTime) {
			sel.delivered = append(sel.delivered, e)
			continue
		}
		sel.fetch = append(sel.fetch, e)
	}
	return sel
}

// tooYoung reports whether a file may still be being written.
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
