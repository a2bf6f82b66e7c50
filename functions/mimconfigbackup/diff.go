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
}

// Compare returns the differences from previous (nil: none) to current.
// XML files are compared without their export date.
func Compare(previous *Manifest, current Manifest) Diff {
	if previous == nil {
		return Diff{}
	}
	d := Diff{HasPrevious: true}
	before, after := byPath(*previous), byPath(current)
	for _, p := range unionKeys(before, after) {
		old, inOld := before[p]
		cur, inCur := after[p]
		if inOld && inCur && fingerprint(old) == fingerprint(cur) {
			continue
		}
		d.record(p, inOld, inCur)
	}
	return d
}

// record files one changed path under the part it belongs to.
func (d *Diff) record(path string, inOld, inCur bool) {
	folder, rest, _ := strings.Cut(path, `\`)
	switch folder {
	case "MAExports":
		name := strings.TrimSuffix(rest, ".xml")
		switch {
		case !inOld:
			d.MAsAdded = append(d.MAsAdded, name)
		case !inCur:
			d.MAsRemoved = append(d.MAsRemoved, name)
		default:
			d.MAsChanged = append(d.MAsChanged, name)
		}
	case "ServerExport":
		d.ServerChanged = true
	case "MAExtensions":
		d.ExtensionsChanged = append(d.ExtensionsChanged, rest)
	case "PortalExport":
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
	parts = append(parts, countList(d.MAsChanged, "MA", "changed")...)
	parts = append(parts, countList(d.MAsAdded, "MA", "added")...)
	parts = append(parts, countList(d.MAsRemoved, "MA", "removed")...)
	if len(d.MAsChanged)+len(d.MAsAdded)+len(d.MAsRemoved) == 0 {
		parts = append(parts, "MAs unchanged")
	}
	parts = append(parts, changed("sync configuration", d.ServerChanged, nil))
	parts = append(parts, changed("extensions", len(d.ExtensionsChanged) > 0, d.ExtensionsChanged))
	parts = append(parts, changed("portal config", len(d.PortalChanged) > 0, d.PortalChanged))
	return strings.Join(parts, "; ")
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

func changed(what string, yes bool, which []string) string {
	switch {
	case !yes:
		return what + " unchanged"
	case len(which) > 0:
		return what + " changed: " + strings.Join(which, ", ")
	}
	return what + " changed"
}
