// Package deptest keeps the import rules of DESIGN.md true: imports flow
// down only (cmd → ui → labs/run → netifapi, sockets → dhcp → core), and
// labs (the format) and core/snapshot stay leaves anyone may import.
package deptest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/netlab/netlab"

// forbidden lists, for each package (prefix), the project packages it
// must not depend on, directly or not.
var forbidden = map[string][]string{
	"core":          {"netifapi", "sockets", "dhcp", "labs", "ui", "cmd", "bench"},
	"core/wire":     {"core/clock", "core/link", "core/snapshot", "netifapi", "sockets", "labs"},
	"core/snapshot": {"core/clock", "core/link", "netifapi", "sockets", "dhcp", "labs"},
	"core/clock":    {"core/wire", "core/link", "core/snapshot", "netifapi", "sockets", "labs"},
	"core/link":     {"netifapi", "sockets", "dhcp", "labs", "ui"},
	"dhcp":          {"netifapi", "sockets", "labs", "ui", "cmd"},
	"netifapi":      {"sockets", "labs", "ui", "cmd"},
	"sockets":       {"netifapi", "labs", "ui", "cmd"},
	"labs":          {"core", "netifapi", "sockets", "dhcp", "ui", "cmd"},
	"labs/run":      {"ui", "cmd"},
	"labs/host":     {"labs/run", "ui", "cmd"},
	"labs/pitfalls": {"labs/run", "labs/host", "ui", "cmd"},
	// Every goroutine netlab starts may defer crash.Recover: it is a leaf.
	"internal/crash": {"core", "netifapi", "sockets", "dhcp", "labs", "ui", "cmd"},
}

type pkg struct {
	ImportPath string
	Deps       []string
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		rules := rulesFor(rel)
		for _, dep := range p.Deps {
			if !strings.HasPrefix(dep, module+"/") {
				continue
			}
			d := strings.TrimPrefix(dep, module+"/")
			for _, bad := range rules {
				if d == bad || strings.HasPrefix(d, bad+"/") {
					t.Errorf("%s imports %s (directly or not): imports must flow down (DESIGN.md)", rel, d)
				}
			}
		}
		checked++
	}
	if checked < 8 {
		t.Fatalf("checked only %d packages", checked)
	}
}

// rulesFor returns the rules of the longest matching package prefix.
func rulesFor(rel string) []string {
	best := ""
	for p := range forbidden {
		if (rel == p || strings.HasPrefix(rel, p+"/")) && len(p) > len(best) {
			best = p
		}
	}
	rules := forbidden[best]
	// A package is allowed its own sub-packages.
	var out []string
	for _, r := range rules {
		if !strings.HasPrefix(r, rel+"/") {
			out = append(out, r)
		}
	}
	return out
}

// unsafeDoor is the core's deliberately unsafe door, and doorUsers the
// only packages that may import it (their tests included).
const unsafeDoor = "core/unsafecore"

var doorUsers = map[string]bool{"labs/pitfalls": true}

// TestOnlyPitfallsOpenTheUnsafeDoor: no package but the pitfall labs
// imports core/unsafecore, in its code or its tests.
func TestOnlyPitfallsOpenTheUnsafeDoor(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	found := false
	for dec.More() {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, list := range [][]string{p.Imports, p.TestImports, p.XTestImports} {
			for _, imp := range list {
				if imp != module+"/"+unsafeDoor {
					continue
				}
				found = true
				if !doorUsers[rel] {
					t.Errorf("%s imports %s: the unsafe door is for the pitfall labs only", rel, unsafeDoor)
				}
			}
		}
	}
	if !found {
		t.Errorf("nothing imports %s: the check checks nothing", unsafeDoor)
	}
}
