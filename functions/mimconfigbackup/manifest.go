package mimconfigbackup

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Manifest is manifest.json in a backup folder.
type Manifest struct {
	Version int            `json:"version"`
	Folder  string         `json:"folder"`
	Created string         `json:"created"`
	Files   []ManifestFile `json:"files"`
	Steps   []Step         `json:"steps"`
	Failed  []string       `json:"failed"`
	// Partial is set when the run deadline came near and steps were not
	// run: a partial backup never counts as complete.
	Partial bool `json:"partial"`
}

// ManifestFile is one file of a backup.
type ManifestFile struct {
	Path        string `json:"path"` // relative, with backslashes: MAExports\HR.xml
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentHash string `json:"contentHash,omitempty"` // XML without its export date
}

// Step is one part of the backup and how it went.
type Step struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	OK      bool    `json:"ok"`
	Error   string  `json:"error"`
}

// summary is the JSON line the backup script prints.
type summary struct {
	Folder           string            `json:"folder"`
	Path             string            `json:"path"`
	ManifestText     string            `json:"manifest"`
	PreviousFolder   string            `json:"previousFolder"`
	PreviousManifest string            `json:"previousManifest"`
	Deleted          []string          `json:"deleted"`
	KeptByMinimum    []string          `json:"keptByMinimum"`    // older than the cutoff, kept as one of the newest complete backups
	RetentionSkipped string            `json:"retentionSkipped"` // why retention deleted nothing
	Leftovers        []leftover        `json:"leftovers"`        // zips of earlier runs to deliver, oldest first
	LeftoversRemoved []removedLeftover `json:"leftoversRemoved"` // zips of earlier runs removed without upload
	CleanupError     string            `json:"cleanupError"`     // why listing or removing them failed
	Zip              string            `json:"zip"`
	ZipError         string            `json:"zipError"` // why the zip could not be made

	manifest Manifest
	previous *Manifest
}

// leftover is a zip an earlier run could not copy off-site, of a complete
// backup that is still on the server.
type leftover struct {
	Zip    string `json:"zip"`    // its path on the server
	Folder string `json:"folder"` // the backup's folder name
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex; "" for one beyond this run's share
}

// removedLeftover is a zip an earlier run left that the script removed
// without upload, as it could not be delivered.
type removedLeftover struct {
	Zip string `json:"zip"`
	Why string `json:"why"`
}

// parseSummary reads the script's last stdout line and the manifests in it.
func parseSummary(stdout string) (*summary, error) {
	last := lastLine(stdout)
	var s summary
	if err := json.Unmarshal([]byte(last), &s); err != nil {
		return nil, fmt.Errorf("unreadable summary line %.200q: %w", last, err)
	}
	if err := json.Unmarshal([]byte(s.ManifestText), &s.manifest); err != nil {
		return nil, fmt.Errorf("unreadable manifest: %w", err)
	}
	if strings.TrimSpace(s.PreviousManifest) != "" {
		var prev Manifest
		if err := json.Unmarshal([]byte(strings.TrimPrefix(s.PreviousManifest, "\ufeff")), &prev); err == nil {
			s.previous = &prev
		}
	}
	return &s, nil
}

// failures describes the steps that ran and failed, and counts them.
func (m Manifest) failures() (int, string) {
	var parts []string
	for _, st := range m.Steps {
		if !st.OK && !strings.HasPrefix(st.Error, notRunPrefix) {
			parts = append(parts, st.Name+": "+st.Error)
		}
	}
	return len(parts), strings.Join(parts, "; ")
}

// bytes is the total size of the backup's files.
func (m Manifest) bytes() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// stepLinePrefix starts the line the script prints as each step ends.
const stepLinePrefix = "step:"

// finishedSteps reads the step lines the script printed, which arrive even
// when the run is stopped before the summary.
func finishedSteps(stdout string) []Step {
	var steps []Step
	for _, line := range strings.Split(stdout, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), stepLinePrefix)
		if !ok {
			continue
		}
		var st Step
		if err := json.Unmarshal([]byte(rest), &st); err == nil && st.Name != "" {
			steps = append(steps, st)
		}
	}
	return steps
}
