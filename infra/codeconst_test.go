package infra

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// codeConstant is a string constant in the code that names a blob container or
// a queue directly, rather than through a setting.
type codeConstant struct {
	Where, Name, Value string
}

// storageConstants finds, in the non-test Go files under the given folders,
// every string constant whose name ends in Container or Queue. Test helpers
// (folders named *test) and the local dev host are left out: they never run in Azure.
func storageConstants(t *testing.T, roots ...string) []codeConstant {
	t.Helper()
	var found []codeConstant
	fset := token.NewFileSet()
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if strings.HasSuffix(d.Name(), "test") || d.Name() == "devonly" || d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			file, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			for _, decl := range file.Decls {
				gen, ok := decl.(*ast.GenDecl)
				if !ok || gen.Tok != token.CONST {
					continue
				}
				for _, spec := range gen.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						lower := strings.ToLower(name.Name)
						if i >= len(vs.Values) || !(strings.HasSuffix(lower, "container") || strings.HasSuffix(lower, "queue")) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						value, err := strconv.Unquote(lit.Value)
						if err != nil {
							return err
						}
						found = append(found, codeConstant{Where: filepath.ToSlash(path), Name: name.Name, Value: value})
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return found
}

// createdLiterals returns the string literals of a Bicep variable's expression
// and of the variables it refers to (one level deep).
func createdLiterals(code, name string) map[string]bool {
	out := map[string]bool{}
	expr := variable(code, name)
	exprs := []string{expr}
	for id := range identifiers(expr) {
		if v := variable(code, id); v != "" {
			exprs = append(exprs, v)
		}
	}
	for _, e := range exprs {
		for _, f := range strings.FieldsFunc(e, func(r rune) bool { return r == ',' || r == '[' || r == ']' || r == '(' || r == ')' || r == '\n' }) {
			if v, ok := literalValue(f); ok {
				out[v] = true
			}
		}
	}
	return out
}

// constantsCreated reports container and queue constants main.bicep does not create.
func constantsCreated(consts []codeConstant, code string) []string {
	containers, queues := createdLiterals(code, "blobContainerNames"), createdLiterals(code, "queueNames")
	var problems []string
	for _, c := range consts {
		isQueue := strings.HasSuffix(strings.ToLower(c.Name), "queue")
		if (isQueue && !queues[c.Value]) || (!isQueue && !containers[c.Value]) {
			problems = append(problems, c.Name+": "+c.Where+" names "+strconv.Quote(c.Value)+", which main.bicep does not create")
		}
	}
	return problems
}

func TestContainersNamedInTheCodeAreCreated(t *testing.T) {
	consts := storageConstants(t, "../functions", "../internal", "../handler")
	reportAll(t, constantsCreated(consts, loadTemplate(t).Code))
	probe := []codeConstant{{Where: "probe.go", Name: "probeContainer", Value: "drift-probe"}}
	if !mentions(constantsCreated(probe, loadTemplate(t).Code), "probeContainer") {
		t.Error("a container constant main.bicep does not create was not reported")
	}
}
