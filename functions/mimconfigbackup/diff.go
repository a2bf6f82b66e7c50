package mimconfigbackup

import (
	"fmt"
	"sort"
	"strings"
)

// Diff is what changed between two backups, by the parts operators know.
type Diff struct {
	HasPrevious       bool
	MAsChanged        []string // management agents whose export differs
	MAsAdded          []string
	MAsRemoved        []string
	ServerChanged     bool     // the sync server configuration (Export-MetaverseConfiguration)
	ExtensionsChanged []string // extension files added, removed or changed
	PortalChanged     []string // schema, policy, portal
	// NotCompared holds the parts (step names) that failed in either
	// backup, with where they failed: their files are missing or partial,
	// so a difference there says nothing about the configuration.
	NotCompared map[string]string
}

// The parts of a backup: a step and the folder it fills share the name.
const (
	partMAs        = "MAExports"
	partServer     = "ServerExport"
	partExtensions = "MAExtensions"
	partPortal     = "PortalExport"
)

// Compare returns the differences from previous (nil: none) to current.
// XML files are compared without their export date.
func Compare(previous *Manifest, current Manifest) Diff {
	if previous == nil {
		return Diff{}
	}
	d := Diff{HasPrevious: true, NotCompared: map[string]string{}}
	for _, part := range previous.failedParts() {
		d.NotCompared[part] = "the previous backup"
	}
	for _, part := range current.failedParts() {
		d.NotCompared[part] = "this backup"
	}
	before, after := byPath(*previous), byPath(current)
	for _, p := range unionKeys(before, after) {
		old, inOld := before[p]
		cur, inCur := after[p]
		folder, _, _ := strings.Cut(p, `\`)
		if _, skip := d.NotCompared[folder]; skip || (inOld && inCur && fingerprint(old) == fingerprint(cur)) {
			continue
		}
		d.record(p, inOld, inCur)
	}
	return d
}

// failedParts names the steps that failed, from the step records and the
// failed list alike.
func (m Manifest) failedParts() []string {
	parts := append([]string(nil), m.Failed...)
	for _, st := range m.Steps {
		if !st.OK {
			parts = append(parts, st.Name)
		}
	}
	return parts
}

// record files one changed path under the part it belongs to.
func (d *Diff) record(path string, inOld, inCur bool) {
	folder, rest, _ := strings.Cut(path, `\`)
	switch folder {
	case partMAs:
		name := strings.TrimSuffix(rest, ".xml")
		switch {
		case !inOld:
			d.MAsAdded = append(d.MAsAdded, name)
		case !inCur:
			d.MAsRemoved = append(d.MAsRemoved, name)
		default:
			d.MAsChanged = append(d.MAsChanged, name)
		}
	case partServer:
		d.ServerChanged = true
	case partExtensions:
		d.ExtensionsChanged = append(d.ExtensionsChanged, rest)
	case partPortal:
		d.PortalChanged = append(d.PortalChanged, strings.TrimSuffix(rest, ".xml"))
	}
}

func byPath(m Manifest) map[string]ManifestFile {
	out := make(map[string]ManifestFile, len(m.Files))
	for _, f := range m.Files {
		out[f.Path] = f
	}
	return out
}

func unionKeys(a, b map[string]ManifestFile) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]ManifestFile{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func fingerprint(f ManifestFile) string {
	if f.ContentHash != "" {
		return f.ContentHash
	}
	return f.SHA256
}

// String reads like "3 MAs changed: AD, AAD, HR; sync configuration
// unchanged; extensions unchanged; portal config unchanged".
func (d Diff) String() string {
	if !d.HasPrevious {
		return "no earlier backup to compare with"
	}
	var parts []string
	if where, skipped := d.NotCompared[partMAs]; skipped {
		parts = append(parts, notCompared("MAs", partMAs, where))
	} else {
		parts = append(parts, countList(d.MAsChanged, "MA", "changed")...)
		parts = append(parts, countList(d.MAsAdded, "MA", "added")...)
		parts = append(parts, countList(d.MAsRemoved, "MA", "removed")...)
		if len(d.MAsChanged)+len(d.MAsAdded)+len(d.MAsRemoved) == 0 {
			parts = append(parts, "MAs unchanged")
		}
	}
	parts = append(parts, d.changed("sync configuration", partServer, d.ServerChanged, nil))
	parts = append(parts, d.changed("extensions", partExtensions, len(d.ExtensionsChanged) > 0, d.ExtensionsChanged))
	parts = append(parts, d.changed("portal config", partPortal, len(d.PortalChanged) > 0, d.PortalChanged))
	return strings.Join(parts, "; ")
}

func notCompared(what, step, where string) string {
	return fmt.Sprintf("%s not compared (%s failed in %s)", what, step, where)
}

func countList(names []string, noun, verb string) []string {
	if len(names) == 0 {
		return nil
	}
	if len(names) > 1 {
		noun += "s"
	}
	return []string{fmt.Sprintf("%d %s %s: %s", len(names), noun, verb, strings.Join(names, ", "))}
}

func (d Diff) changed(what, part string, yes bool, which []string) string {
	if where, skipped := d.NotCompared[part]; skipped {
		return notCompared(what, part, where)
	}
	switch {
	case !yes:
		return what + " unchanged"
	case len(which) > 0:
		return what + " changed: " + strings.Join(which, ", ")
	}
	return what + " changed"
}
