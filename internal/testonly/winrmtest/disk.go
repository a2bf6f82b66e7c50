package winrmtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Disk is a Windows file system rooted in a local directory: C:\Data\a.csv
// is <Root>/C/Data/a.csv.
type Disk struct {
	Root    string
	ownRoot bool // created by NewDisk and removed by Close
}

// NewDisk returns a Disk in root, or in a new temporary directory when root
// is empty.
func NewDisk(root string) (*Disk, error) {
	if root != "" {
		return &Disk{Root: root}, os.MkdirAll(root, 0o755)
	}
	dir, err := os.MkdirTemp("", "winrmtest-disk-")
	if err != nil {
		return nil, fmt.Errorf("winrmtest: disk: %w", err)
	}
	return &Disk{Root: dir, ownRoot: true}, nil
}

func (d *Disk) remove() error {
	if !d.ownRoot {
		return nil
	}
	return os.RemoveAll(d.Root)
}

var drivePath = regexp.MustCompile(`^([A-Za-z]):(\\.*)?$`)

// Path maps an absolute Windows path (C:\x\y) to the local file. Relative
// paths, UNC paths and ".." segments are refused, as a careful server would.
func (d *Disk) Path(windowsPath string) (string, error) {
	m := drivePath.FindStringSubmatch(windowsPath)
	if m == nil {
		return "", fmt.Errorf("winrmtest: %q is not an absolute drive path", windowsPath)
	}
	parts := []string{d.Root, strings.ToUpper(m[1])}
	for _, seg := range strings.Split(m[2], `\`) {
		switch seg {
		case "", ".":
			continue
		case "..":
			return "", fmt.Errorf("winrmtest: %q climbs out of its folder", windowsPath)
		}
		parts = append(parts, seg)
	}
	return filepath.Join(parts...), nil
}

// WriteFile writes a file at a Windows path, creating its folders.
func (d *Disk) WriteFile(windowsPath string, data []byte) error {
	p, err := d.Path(windowsPath)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

// ReadFile reads the file at a Windows path.
func (d *Disk) ReadFile(windowsPath string) ([]byte, error) {
	p, err := d.Path(windowsPath)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}
