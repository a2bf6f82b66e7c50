package winrmtest

import (
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// PartialName is the shape of the upload scripts' temporary file names:
// a dot, 16 lowercase hex digits, ".partial".
var PartialName = regexp.MustCompile(`^\.[0-9a-f]{16}\.partial$`)

// PartialMaxAge is how old a temporary file must be (since its last write)
// before an upload to its folder removes it as a leftover.
const PartialMaxAge = 24 * time.Hour

// removeStalePartials does what Remove-StalePartial in upload.ps1 and
// uploads.ps1 does: in folder, it deletes the files named like the scripts'
// temporary files and last written PartialMaxAge ago or more. Other files,
// however named, are left alone, as are ones it cannot delete.
func removeStalePartials(folder string) {
	cutoff := time.Now().Add(-PartialMaxAge)
	paths, _ := filepath.Glob(filepath.Join(folder, ".*.partial"))
	for _, path := range paths {
		info, err := os.Lstat(path)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if PartialName.MatchString(filepath.Base(path)) && info.ModTime().Before(cutoff) {
			_ = os.Remove(path)
		}
	}
}
