package infra

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// The generated regions: the parts of the templates and the guides that
// follow from the function declarations and the settings catalog, so that
// those two stay the only hand-written lists. `make docs` writes them
// (through cmd/gendocs); the drift test regenerates them and fails when a
// region was edited by hand.

// Source is what the regions are generated from.
type Source struct {
	Functions []function.Declaration // every function, in registration order
	Settings  []settings.Spec        // the settings catalog, in catalog order
}

// regionFunc writes the text of one region (whole lines, each ending in a
// line break). doc is the file being generated, for a region that depends
// on what the hand-written part of it already says.
type regionFunc func(src Source, doc string) (string, error)

// generatedFile is one file with generated regions, by path from the
// repository root.
type generatedFile struct {
	Path    string
	Regions map[string]regionFunc
}

// generatedFiles lists every file that has generated regions, and how
// each of its regions is written.
func generatedFiles() []generatedFile {
	return []generatedFile{
		{Path: "infra/main.bicep", Regions: map[string]regionFunc{
			"heartbeat-params": noDoc(heartbeatParams),
			"setting-params":   noDoc(settingParams),
			"vars":             noDoc(deploymentVars),
			"keyvault-params":  noDoc(keyVaultCall),
			"app-settings":     noDoc(appSettings),
			"alerts":           noDoc(alertLists),
		}},
		{Path: "infra/main.bicepparam", Regions: map[string]regionFunc{
			"required-params": requiredParams,
		}},
		{Path: "infra/modules/keyvault.bicep", Regions: map[string]regionFunc{
			"secret-params": noDoc(secretParams),
			"secrets":       noDoc(secretResources),
		}},
		{Path: "README.md", Regions: map[string]regionFunc{
			"functions": noDoc(functionTable),
		}},
		{Path: "docs/operations.md", Regions: map[string]regionFunc{
			"failure-queries":   noDoc(failureQueries),
			"heartbeat-queries": noDoc(heartbeatQueries),
		}},
	}
}

func noDoc(f func(Source) (string, error)) regionFunc {
	return func(src Source, _ string) (string, error) { return f(src) }
}

// GeneratedPaths returns the paths, from the repository root, of every file
// with generated regions.
func GeneratedPaths() []string {
	var out []string
	for _, f := range generatedFiles() {
		out = append(out, f.Path)
	}
	return out
}

// Regenerate returns doc, the text of the file at path (from the repository
// root), with each of its generated regions written anew from src.
func Regenerate(path, doc string, src Source) (string, error) {
	for _, f := range generatedFiles() {
		if f.Path != path {
			continue
		}
		if err := unknownRegions(doc, f.Regions); err != nil {
			return "", fmt.Errorf("infra: %s: %w", path, err)
		}
		for _, name := range sortedNames(f.Regions) {
			text, err := f.Regions[name](src, doc)
			if err != nil {
				return "", fmt.Errorf("infra: %s: region %s: %w", path, name, err)
			}
			if doc, err = replaceRegion(doc, name, text); err != nil {
				return "", fmt.Errorf("infra: %s: %w", path, err)
			}
		}
		return doc, nil
	}
	return "", fmt.Errorf("infra: %s has no generated regions", path)
}

// Update rewrites the generated regions of every file under root (the
// repository root) from src, and returns the paths it changed.
func Update(root string, src Source) ([]string, error) {
	var changed []string
	for _, path := range GeneratedPaths() {
		full := filepath.Join(root, filepath.FromSlash(path))
		old, err := os.ReadFile(full)
		if err != nil {
			return changed, fmt.Errorf("infra: %w", err)
		}
		doc, err := Regenerate(path, string(old), src)
		if err != nil {
			return changed, err
		}
		if doc == string(old) {
			continue
		}
		if err := os.WriteFile(full, []byte(doc), 0o644); err != nil {
			return changed, fmt.Errorf("infra: %w", err)
		}
		changed = append(changed, path)
	}
	return changed, nil
}

// The markers around a region: Bicep comments in .bicep and .bicepparam
// files, HTML comments in Markdown. A marker line may be indented.
const (
	beginMarker = "BEGIN GENERATED: "
	endMarker   = "END GENERATED: "
	markerNote  = " (make docs)"
)

// region is where one region's body sits in a document.
type region struct {
	bodyStart, bodyEnd int // byte offsets of the lines between the markers
}

// findRegion returns the body of the region called name, or an error when
// its markers are missing, repeated or out of order.
func findRegion(doc, name string) (region, error) {
	begin := beginMarker + name + markerNote
	end := endMarker + name
	b := strings.Index(doc, begin)
	if b < 0 || strings.Count(doc, begin) != 1 {
		return region{}, fmt.Errorf("want one %q marker, found %d", begin, strings.Count(doc, begin))
	}
	nl := strings.IndexByte(doc[b:], '\n')
	if nl < 0 {
		return region{}, fmt.Errorf("%q ends the file", begin)
	}
	start := b + nl + 1
	e := strings.Index(doc[start:], end)
	if e < 0 || strings.Count(doc, end) != 1 {
		return region{}, fmt.Errorf("want one %q marker after %q", end, begin)
	}
	lineStart := strings.LastIndexByte(doc[:start+e], '\n') + 1
	return region{bodyStart: start, bodyEnd: lineStart}, nil
}

// replaceRegion puts text between the markers of the region called name.
func replaceRegion(doc, name, text string) (string, error) {
	r, err := findRegion(doc, name)
	if err != nil {
		return "", err
	}
	return doc[:r.bodyStart] + text + doc[r.bodyEnd:], nil
}

// unknownRegions reports a BEGIN marker for a region the generator does
// not write: a typo there would leave the region unchecked.
func unknownRegions(doc string, known map[string]regionFunc) error {
	for _, line := range strings.Split(doc, "\n") {
		_, rest, ok := strings.Cut(line, beginMarker)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, markerNote)
		if known[name] == nil {
			return fmt.Errorf("a generated region %q that nothing writes", name)
		}
	}
	return nil
}

func sortedNames(m map[string]regionFunc) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
