// Command zipdist packs a built dist/ folder into the zip that zip deploy and
// Flex Consumption one-deploy take: host.json at the root, one folder per
// function, and the handler binary marked executable.
//
//	go run ./infra/zipdist -dir dist -out tenantops.zip
//
// It needs no zip program, and it records Unix modes, so the binary keeps its
// exec bit wherever the zip is made (a zip made by Windows tools loses it).
// Entries are sorted and carry a fixed time, so the same dist/ gives the same zip.
package main

import (
	"archive/zip"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"
)

// executables are the file names (at the zip's root) that get mode 0755.
var executables = map[string]bool{"handler": true, "handler.exe": true}

// localOnly are files at the root that stay on the developer's machine:
// local.settings.json holds local settings and often secrets (make build
// keeps it in dist/ for `make run`), and Core Tools never publishes it either.
var localOnly = map[string]bool{"local.settings.json": true}

// entryTime is the modification time of every entry.
var entryTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	dir := flag.String("dir", "dist", "the built app folder (make build)")
	out := flag.String("out", "tenantops.zip", "the zip to write")
	flag.Parse()
	n, err := pack(*dir, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zipdist:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d files from %s\n", *out, n, *dir)
}

// pack writes the files under dir to a new zip at out and returns how many it wrote.
func pack(dir, out string) (int, error) {
	files, err := listFiles(dir)
	if err != nil {
		return 0, err
	}
	if err := checkLayout(files); err != nil {
		return 0, fmt.Errorf("%s: %w", dir, err)
	}
	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	zw := zip.NewWriter(f)
	for _, name := range files {
		if err := add(zw, dir, name); err != nil {
			f.Close()
			return 0, err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return 0, err
	}
	return len(files), f.Close()
}

// listFiles returns the regular files under dir as sorted slash paths
// relative to it, leaving out the localOnly ones.
func listFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			if !localOnly[filepath.ToSlash(rel)] {
				files = append(files, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// checkLayout refuses a folder that the Functions host could not run:
// host.json and a handler binary at the root, and at least one function.json.
func checkLayout(files []string) error {
	var host, handler, function bool
	for _, f := range files {
		switch {
		case f == "host.json":
			host = true
		case executables[f]:
			handler = true
		case path.Base(f) == "function.json" && path.Dir(f) != ".":
			function = true
		}
	}
	switch {
	case !host:
		return errors.New("no host.json at the root; run make build first")
	case !handler:
		return errors.New("no handler binary at the root; run make build first")
	case !function:
		return errors.New("no <FunctionName>/function.json; run make build first")
	}
	return nil
}

// add writes one file to the zip with a Unix mode: 0755 for the handler, 0644 otherwise.
func add(zw *zip.Writer, dir, name string) error {
	src, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	defer src.Close()
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: entryTime}
	mode := fs.FileMode(0o644)
	if executables[name] {
		mode = 0o755
	}
	h.SetMode(mode)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, src)
	return err
}
