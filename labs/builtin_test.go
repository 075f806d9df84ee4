package labs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBuiltinsLoad(t *testing.T) {
	names := BuiltinNames()
	if !slices.Contains(names, "quickstart") || !slices.Contains(names, "router") || !slices.IsSorted(names) {
		t.Fatalf("BuiltinNames() = %v", names)
	}
	for _, name := range names {
		lab, err := Builtin(name)
		if err != nil {
			t.Errorf("Builtin(%s): %v", name, err)
			continue
		}
		if lab.Name != name || lab.Source != "builtin:"+name || lab.Description == "" || len(lab.Steps) == 0 {
			t.Errorf("Builtin(%s) = name %q source %q, %d steps", name, lab.Name, lab.Source, len(lab.Steps))
		}
		src, err := BuiltinSource(name)
		if err != nil || !strings.HasPrefix(string(src), "# yaml-language-server: $schema=../schema/lab.schema.json\n") {
			t.Errorf("BuiltinSource(%s) does not start with the schema line (%v)", name, err)
		}
		again, _ := Builtin(name)
		if again == lab || &again.Nodes[0] == &lab.Nodes[0] {
			t.Errorf("Builtin(%s) shares its Lab between calls", name)
		}
	}
	if _, err := Builtin("nope"); !errors.Is(err, ErrUnknownLab) {
		t.Errorf("Builtin(nope) = %v, want ErrUnknownLab", err)
	}
	if _, err := BuiltinSource("../load.go"); !errors.Is(err, ErrUnknownLab) {
		t.Errorf("BuiltinSource(../load.go) = %v, want ErrUnknownLab", err)
	}
}

func TestQuickstart(t *testing.T) {
	lab, err := Builtin("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	a, b := lab.Node("a"), lab.Node("b")
	if a == nil || b == nil || len(lab.Nodes) != 2 {
		t.Fatalf("nodes = %+v", lab.Nodes)
	}
	if got := a.Interface("eth0").Address.String(); got != "10.0.0.1/24" {
		t.Errorf("a:eth0 = %s", got)
	}
	if got := b.Interface("eth0").Address.String(); got != "10.0.0.2/24" {
		t.Errorf("b:eth0 = %s", got)
	}
	if len(a.Apps) != 1 || a.Apps[0].Kind != AppUDPEcho || a.Apps[0].Port != 7 {
		t.Errorf("a's apps = %+v", a.Apps)
	}
	if l := lab.Links[0]; len(lab.Links) != 1 || l.Impair.Delay != Duration(1e6) || l.A.String() != "a:eth0" || l.B.String() != "b:eth0" {
		t.Errorf("links = %+v", lab.Links)
	}
	var kinds []string
	for _, s := range lab.Steps {
		kinds = append(kinds, s.Action.Kind())
	}
	if got := strings.Join(kinds, " "); got != "ping expect expect socket send recv expect close expect" {
		t.Errorf("steps = %s", got)
	}
	ping := lab.Steps[0].Action.(*Ping)
	if ping.From != "b" || ping.To.String() != "10.0.0.1" || ping.Count != 3 {
		t.Errorf("ping = %+v", ping)
	}
	if e := lab.Steps[1].Action.(*Expect); e.PingReplies == nil || *e.PingReplies != 3 || e.PingStep != 0 {
		t.Errorf("expect = %+v", e)
	}
	if e := lab.Steps[2].Action.(*Expect); e.Node != "b" || e.Event != "ARP 10.0.0.1 reachable" {
		t.Errorf("expect = %+v", e)
	}
	if s := lab.Steps[4].Action.(*Send); s.Data != "hello netlab" || s.To.String() != "10.0.0.1:7" {
		t.Errorf("send = %+v", s)
	}
	if r := lab.Steps[5].Action.(*Recv); r.Within != Duration(1e9) {
		t.Errorf("recv = %+v", r)
	}
	if e := lab.Steps[6].Action.(*Expect); e.BytesReceived == nil || *e.BytesReceived != len("hello netlab") {
		t.Errorf("expect = %+v", e)
	}
	if e := lab.Steps[8].Action.(*Expect); e.Node != "a" || e.Interface != "eth0" || e.Counter != "rx-frames" || e.Min == nil || *e.Min != 1 {
		t.Errorf("expect = %+v", e)
	}
}

func TestRouter(t *testing.T) {
	lab, err := Builtin("router")
	if err != nil {
		t.Fatal(err)
	}
	r, h1, h2 := lab.Node("r"), lab.Node("h1"), lab.Node("h2")
	if !r.Forwarding || r.Interface("eth1").MTU != 576 || h2.Interface("eth0").MTU != 576 || r.Interface("eth0").MTU != 1500 {
		t.Errorf("r = %+v, h2 = %+v", r, h2)
	}
	for _, h := range []*Node{h1, h2} {
		if len(h.Routes) != 1 || h.Routes[0].To.Bits() != 0 || !h.Routes[0].Via.IsValid() {
			t.Errorf("%s's routes = %+v", h.Name, h.Routes)
		}
	}
	var sizes []int
	var counters []string
	for _, s := range lab.Steps {
		switch a := s.Action.(type) {
		case *Ping:
			sizes = append(sizes, a.Size)
		case *Send:
			sizes = append(sizes, a.Size)
		case *Expect:
			if a.Counter != "" {
				counters = append(counters, a.Node+" "+a.Counter)
			}
		}
	}
	if !slices.Equal(sizes, []int{56, 1200, 1400}) {
		t.Errorf("ping and send sizes = %v", sizes)
	}
	if !slices.Equal(counters, []string{"r ip-forwarded", "h2 ip-reassembled"}) {
		t.Errorf("counters = %v", counters)
	}
}

func TestResolve(t *testing.T) {
	lab, err := Resolve("quickstart")
	if err != nil || lab.Source != "builtin:quickstart" {
		t.Fatalf("Resolve(quickstart) = %v, %v", lab, err)
	}
	dir := t.TempDir()
	src, _ := BuiltinSource("router")
	path := filepath.Join(dir, "quickstart.yaml")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if lab, err := Resolve(path); err != nil || lab.Name != "router" || lab.Source != path {
		t.Errorf("Resolve(%s) = %v, %v", path, lab, err)
	}
	t.Chdir(dir)
	// A plain name is a built-in lab, even with a file of that name here.
	if err := os.WriteFile("quickstart", src, 0o644); err != nil {
		t.Fatal(err)
	}
	if lab, err := Resolve("quickstart"); err != nil || lab.Source != "builtin:quickstart" {
		t.Errorf("Resolve(quickstart) = %v, %v", lab, err)
	}
	if lab, err := Resolve("quickstart.yaml"); err != nil || lab.Name != "router" {
		t.Errorf("Resolve(quickstart.yaml) = %v, %v", lab, err)
	}
	if _, err := Resolve("nope"); !errors.Is(err, ErrUnknownLab) {
		t.Errorf("Resolve(nope) = %v, want ErrUnknownLab", err)
	}
	if _, err := Resolve("nope.yml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Resolve(nope.yml) = %v, want ErrNotExist", err)
	}
	if err := os.WriteFile("bad.yaml", []byte("name: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var e *Error
	if _, err := Resolve("./bad.yaml"); !errors.As(err, &e) || e.File != "./bad.yaml" {
		t.Errorf("Resolve(./bad.yaml) = %v", err)
	}
}

// TestConcurrentLoads loads labs from several goroutines at once: the
// package keeps no state between calls (run with -race).
func TestConcurrentLoads(t *testing.T) {
	done := make(chan error)
	for range 8 {
		go func() {
			var err error
			for _, name := range BuiltinNames() {
				if _, e := Builtin(name); e != nil {
					err = e
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
