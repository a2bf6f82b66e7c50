// Package layout holds tests of the repository's shape: what ships in the
// binary, and what production code exports.
package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/tenantops/tenantops"

// repoRoot is the module's root, two folders up from this package.
var repoRoot = filepath.Join("..", "..")

// shipped lists the module's packages the handler binary links, by import path.
func shipped(t *testing.T) []string {
	t.Helper()
	return goList(t, "-deps", "./handler")
}

// goList runs go list with args in the module's root and returns the
// import paths it prints that belong to the module.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-f", "{{.ImportPath}}"}, args...)...)
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if p == module || strings.HasPrefix(p, module+"/") {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs
}

// isStandIn reports whether an import path is a test or dev-only package.
func isStandIn(path string) bool {
	return strings.Contains(path, "/internal/testonly/") || strings.HasSuffix(path, "test") ||
		strings.Contains(path, "/internal/devonly/") || strings.HasPrefix(path, module+"/cmd/")
}

func TestBinaryLinksNoStandIn(t *testing.T) {
	pkgs := shipped(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %v", pkgs)
	}
	for _, p := range pkgs {
		if isStandIn(p) {
			t.Errorf("the handler binary links %s, a test or dev-only package", p)
		}
	}
}

// source is the parsed non-test Go files of one folder.
type source struct {
	path  string // import path
	name  string // package name
	files []*ast.File
}

// parseModule parses the non-test Go files of every package in the module.
func parseModule(t *testing.T) map[string]*source {
	t.Helper()
	fset := token.NewFileSet()
	pkgs := map[string]*source{}
	err := filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != repoRoot) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, filepath.Dir(path))
		imp := module
		if rel != "." {
			imp += "/" + filepath.ToSlash(rel)
		}
		if pkgs[imp] == nil {
			pkgs[imp] = &source{path: imp, name: f.Name.Name}
		}
		pkgs[imp].files = append(pkgs[imp].files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// exported returns a package's exported top-level names: functions, types,
// variables and constants (methods are left out: an interface may need
// them). The constants of one block are one name, an enumeration: a member
// no code names yet (ChangeAdd beside ChangeDelete) still belongs to it.
func exported(src *source) [][]string {
	var names [][]string
	for _, f := range src.files {
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					names = append(names, []string{d.Name.Name})
				}
			case *ast.GenDecl:
				names = append(names, genNames(d)...)
			}
		}
	}
	return names
}

// genNames returns the exported names of a type, var or const declaration;
// a const block's names come as one group.
func genNames(d *ast.GenDecl) [][]string {
	var names [][]string
	var block []string
	for _, spec := range d.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			if s.Name.IsExported() {
				names = append(names, []string{s.Name.Name})
			}
		case *ast.ValueSpec:
			for _, n := range s.Names {
				if !n.IsExported() {
					continue
				}
				if d.Tok == token.CONST {
					block = append(block, n.Name)
				} else {
					names = append(names, []string{n.Name})
				}
			}
		}
	}
	if len(block) > 0 {
		names = append(names, block)
	}
	return names
}

// keptForTests are exports that only test or dev code uses, kept on purpose.
var keptForTests = map[string]string{
	// The inverse of Format: the MIM stand-in and the demo read back the
	// folder names the product writes. Moving it out would copy the
	// format tokenizer it shares with Format.
	"internal/opstime.Parse": "the inverse of Format, shares its tokenizer",
}

// uses counts, per import path and name, the references in non-test code of
// production packages: selectors through an import from other packages, and
// plain identifiers (less the declaration itself) within the package.
func uses(pkgs map[string]*source, production map[string]bool) map[string]int {
	count := map[string]int{}
	for path, src := range pkgs {
		if !production[path] {
			continue
		}
		for _, f := range src.files {
			imports := map[string]string{}
			for _, spec := range f.Imports {
				p, _ := strconv.Unquote(spec.Path.Value)
				name := p[strings.LastIndex(p, "/")+1:]
				if spec.Name != nil {
					name = spec.Name.Name
				}
				imports[name] = p
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.SelectorExpr:
					if id, ok := x.X.(*ast.Ident); ok && imports[id.Name] != "" {
						count[imports[id.Name]+"."+x.Sel.Name]++
					}
				case *ast.Ident:
					count[path+"."+x.Name]++
				}
				return true
			})
		}
	}
	return count
}

// TestNoExportUsedOnlyByTests: every exported top-level name of a shipped
// package is used by shipped code (its own package or another); a name
// only tests use belongs in an export_test.go or a stand-in package.
func TestNoExportUsedOnlyByTests(t *testing.T) {
	pkgs := parseModule(t)
	production := map[string]bool{}
	for _, p := range shipped(t) {
		production[p] = true
	}
	count := uses(pkgs, production)
	var unused []string
	for path := range production {
		src := pkgs[path]
		if src == nil || src.name == "main" {
			continue
		}
		for _, group := range exported(src) {
			// The declaration itself is one identifier in its own package.
			used := false
			for _, name := range group {
				used = used || count[path+"."+name] > 1
			}
			name := strings.TrimPrefix(path, module+"/") + "." + group[0]
			if !used && keptForTests[name] == "" {
				unused = append(unused, name)
			}
		}
	}
	sort.Strings(unused)
	for _, u := range unused {
		t.Errorf("%s is exported but only tests (or nothing) use it", u)
	}
}

// TestExportCheckFindsAnUnusedExport holds the check itself to account: a
// made-up package with one export used, one only declared, and a const
// block of which one member is used.
func TestExportCheckFindsAnUnusedExport(t *testing.T) {
	code := `package demo
const (
	ModeA = "a"
	ModeB = "b"
)
func Used() string { return ModeA }
func Unused() {}
func run() { _ = Used() }
`
	f, err := parser.ParseFile(token.NewFileSet(), "demo.go", code, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	src := &source{path: module + "/internal/demo", name: "demo", files: []*ast.File{f}}
	count := uses(map[string]*source{src.path: src}, map[string]bool{src.path: true})
	var unused []string
	for _, group := range exported(src) {
		used := false
		for _, name := range group {
			used = used || count[src.path+"."+name] > 1
		}
		if !used {
			unused = append(unused, group[0])
		}
	}
	if strings.Join(unused, ",") != "Unused" {
		t.Errorf("unused exports = %v, want [Unused]", unused)
	}
}
