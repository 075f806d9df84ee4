package labs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir holds FuzzLoad's seed corpus: every built-in lab, the kitchen
// sink and every broken lab, kept in step with them by TestFuzzCorpus.
const corpusDir = "testdata/fuzz/FuzzLoad"

// seedLabs returns the lab files that seed FuzzLoad, by corpus file name.
func seedLabs(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{}
	for _, name := range BuiltinNames() {
		src, err := BuiltinSource(name)
		if err != nil {
			t.Fatal(err)
		}
		seeds["builtin-"+name] = src
	}
	files, _ := filepath.Glob("testdata/broken/*.yaml")
	files = append(files, "testdata/kitchen-sink.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		if filepath.Base(filepath.Dir(file)) == "broken" {
			name = "broken-" + name
		}
		seeds[name] = data
	}
	return seeds
}

// corpusFile formats data as a `go test fuzz v1` corpus file.
func corpusFile(data []byte) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data)
}

func TestFuzzCorpus(t *testing.T) {
	for name, data := range seedLabs(t) {
		path := filepath.Join(corpusDir, name)
		want := corpusFile(data)
		if *update {
			if err := os.MkdirAll(corpusDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s is out of date (run go test ./labs -update): %v", path, err)
		}
	}
}

// FuzzLoad checks that no input makes Load panic, that its errors are
// well formed, and that what it accepts is a complete lab. Its seeds are
// the corpus under testdata/fuzz/FuzzLoad (every built-in, broken and
// kitchen-sink lab) and the hostile inputs: deep nesting, alias bombs,
// huge files, invalid UTF-8.
func FuzzLoad(f *testing.F) {
	for _, src := range hostileInputs(50) {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lab, err := Load("fuzz.yaml", data)
		if err != nil {
			if lab != nil {
				t.Fatalf("Load returned a lab and %v", err)
			}
			var list ErrorList
			var one *Error
			switch {
			case errors.As(err, &list):
				if len(list) < 2 || len(list) > maxErrors {
					t.Fatalf("ErrorList of %d", len(list))
				}
			case errors.As(err, &one):
				list = ErrorList{one}
			default:
				t.Fatalf("error %T: %v", err, err)
			}
			for _, e := range list {
				if e.Msg == "" || e.File != "fuzz.yaml" {
					t.Fatalf("malformed error %#v", e)
				}
				if !e.Pos.IsValid() {
					t.Fatalf("error without a position: %v", e)
				}
				_ = e.Error()
				_ = e.Excerpt()
			}
			return
		}
		checkLab(t, lab)
	})
}

// checkLab checks the invariants of a loaded lab.
func checkLab(t *testing.T, lab *Lab) {
	t.Helper()
	if lab.Name == "" || (lab.Clock != ClockVirtual && lab.Clock != ClockReal) || len(lab.Nodes) == 0 {
		t.Fatalf("lab %q clock %q with %d nodes", lab.Name, lab.Clock, len(lab.Nodes))
	}
	for _, n := range lab.Nodes {
		if n.Kind != KindStack && n.Kind != KindSwitch && n.Kind != KindKernel || !n.Pos.IsValid() {
			t.Fatalf("node %+v", n)
		}
		for _, itf := range n.Interfaces {
			if itf.MTU < MinMTU || itf.MTU > MaxMTU || itf.MAC.IsZero() || itf.MAC.IsMulticast() {
				t.Fatalf("interface %s:%s %+v", n.Name, itf.Name, itf)
			}
			if itf.Address.IsValid() && !itf.Address.Addr().Is4() {
				t.Fatalf("interface %s:%s address %v", n.Name, itf.Name, itf.Address)
			}
		}
		for _, r := range n.Routes {
			if !r.To.IsValid() || r.To != r.To.Masked() || !r.Via.IsValid() && r.Interface == "" {
				t.Fatalf("route %+v", r)
			}
		}
	}
	if lab.NeedsHost() && lab.Clock != ClockReal {
		t.Fatalf("lab with kernel nodes or tap links on the %s clock", lab.Clock)
	}
	for _, l := range lab.Links {
		if l.ID == "" || lab.Node(l.A.Node) == nil || lab.Node(l.B.Node) == nil || l.A == l.B {
			t.Fatalf("link %+v", l)
		}
	}
	for i, s := range lab.Steps {
		if s.Action == nil || s.Name == "" || !s.Pos.IsValid() || s.At != nil && s.After != nil {
			t.Fatalf("step %d %+v", i, s)
		}
		_ = s.Action.Describe()
		if e, ok := s.Action.(*Expect); ok && (e.PingReplies != nil || e.PingRepliesMin != nil) {
			if e.PingStep < 0 || e.PingStep >= i || lab.Steps[e.PingStep].Action.Kind() != "ping" {
				t.Fatalf("step %d checks step %d", i, e.PingStep)
			}
		}
		if e, ok := s.Action.(*Expect); ok && (e.Exit != nil || e.OutputContains != "") {
			if e.ExecStep < 0 || e.ExecStep >= i || lab.Steps[e.ExecStep].Action.Kind() != "exec" {
				t.Fatalf("step %d checks step %d", i, e.ExecStep)
			}
		}
	}
}

// TestSeedInvariants runs the fuzz checks on the seeds that load.
func TestSeedInvariants(t *testing.T) {
	for name, data := range seedLabs(t) {
		if lab, err := Load(name, data); err == nil {
			checkLab(t, lab)
		} else if !strings.HasPrefix(name, "broken-") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
