package labs

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestBroken loads every lab under testdata/broken, each breaking one rule,
// and compares the errors with its golden file: each error as Error
// formats it, then its excerpt, as `netlab validate` shows them.
func TestBroken(t *testing.T) {
	files, err := filepath.Glob("testdata/broken/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no broken labs: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lab, err := Load(name, data)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, want an error", name, lab)
			}
			if lab != nil {
				t.Errorf("Load(%s) returned a lab with its error", name)
			}
			got := render(err)
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err2 := os.ReadFile(golden)
			if err2 != nil {
				t.Fatalf("%v (run go test ./labs -update)", err2)
			}
			if got != string(want) {
				t.Errorf("Load(%s) errors:\n%s\nwant:\n%s", name, got, want)
			}
			checkErrors(t, name, data, err)
		})
	}
}

// checkErrors checks the shape of Load's error: an *Error or an ErrorList
// of several, in file order, every one with a message and (except for
// syntax errors) a position inside the file and a YAML path that goccy's
// YAMLPath accepts and that leads to the error's position.
func checkErrors(t *testing.T, name string, data []byte, err error) {
	t.Helper()
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
		if len(list) < 2 {
			t.Errorf("ErrorList of %d", len(list))
		}
	case errors.As(err, &one):
		list = ErrorList{one}
	default:
		t.Fatalf("error %T is neither *Error nor ErrorList", err)
	}
	lines := strings.Count(string(data), "\n") + 1
	file, _ := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	for i, e := range list {
		if e.Msg == "" || e.File != name {
			t.Errorf("error %d: %#v", i, e)
		}
		if i > 0 && e.Pos.IsValid() && list[i-1].Pos.IsValid() &&
			(e.Pos.Line < list[i-1].Pos.Line || e.Pos.Line == list[i-1].Pos.Line && e.Pos.Column < list[i-1].Pos.Column) {
			t.Errorf("error %d at %v comes after one at %v", i, e.Pos, list[i-1].Pos)
		}
		if !e.Pos.IsValid() || e.Pos.Line > lines {
			t.Errorf("error %d (%v) has position %v, outside a file of %d lines", i, e, e.Pos, lines)
		}
		// A duplicate key's path leads to the first of the keys.
		if e.Path == "" || file == nil || strings.HasPrefix(e.Msg, "duplicate key") {
			continue
		}
		p, perr := yaml.PathString(e.Path)
		if perr != nil {
			t.Errorf("error %d: path %q: %v", i, e.Path, perr)
			continue
		}
		node, ferr := p.FilterFile(file)
		if ferr != nil || node == nil {
			continue // a field left out, or past an alias
		}
		if !posOfNodeOrKey(file, node, e.Pos) {
			t.Errorf("error %d (%v): path %s is at %v, not %v", i, e, e.Path, nodePos(node), e.Pos)
		}
	}
}

// posOfNodeOrKey reports whether pos is where node starts, or where the
// key whose value node is starts.
func posOfNodeOrKey(file *ast.File, node ast.Node, pos Pos) bool {
	if nodePos(node) == pos {
		return true
	}
	for _, doc := range file.Docs {
		if mv, ok := ast.Parent(doc.Body, node).(*ast.MappingValueNode); ok && nodePos(mv.Key) == pos {
			return true
		}
	}
	return false
}

// render formats the errors of err as netlab validate does (without
// color): each error, then its excerpt.
func render(err error) string {
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = ErrorList{one}
	default:
		return err.Error() + "\n"
	}
	var b strings.Builder
	for _, e := range list {
		b.WriteString(e.Error() + "\n")
		if x := e.Excerpt(); x != "" {
			b.WriteString(x + "\n")
		}
	}
	return b.String()
}
