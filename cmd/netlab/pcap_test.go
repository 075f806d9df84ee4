package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/netlab/netlab/labs"
)

// run --pcap writes one file per link, and the same lab gives the same
// files byte for byte, under GOMAXPROCS 1 and 2.
func TestRunPcapIsDeterministic(t *testing.T) {
	for _, name := range labs.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			lab, err := labs.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			if lab.Clock != labs.ClockVirtual {
				t.Skip("only the virtual clock repeats a run exactly")
			}
			var first map[string][]byte
			for _, procs := range []int{1, 2, 1, 2} {
				prev := runtime.GOMAXPROCS(procs)
				dir := filepath.Join(t.TempDir(), "captures")
				code, out, errs := runCLI(t, "run", "--pcap", dir, name)
				runtime.GOMAXPROCS(prev)
				if code != exitOK {
					t.Fatalf("exit %d\n%s%s", code, out, errs)
				}
				if strings.Contains(out, " lost: ") {
					t.Fatalf("a capture lost frames:\n%s", out)
				}
				files := map[string][]byte{}
				for _, l := range lab.Links {
					path := filepath.Join(dir, name+"-"+l.ID+".pcap")
					b, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(out, "capture "+l.ID+" → "+path+", ") {
						t.Errorf("output does not say where link %s went:\n%s", l.ID, out)
					}
					files[l.ID] = b
				}
				if entries, _ := os.ReadDir(dir); len(entries) != len(lab.Links) {
					t.Errorf("got %d files for %d links", len(entries), len(lab.Links))
				}
				if first == nil {
					first = files
					continue
				}
				for id, b := range first {
					if !bytes.Equal(files[id], b) {
						t.Fatalf("GOMAXPROCS %d: link %s's capture differs", procs, id)
					}
				}
			}
		})
	}
}

func TestRunPcapIntoAFileFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	code, out, errs := runCLI(t, "run", "--pcap", file, "quickstart")
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitBadInput, out, errs)
	}
	if !strings.Contains(errs, "capture directory") {
		t.Errorf("stderr does not say what is wrong: %q", errs)
	}
}

// A link marked capture: true is captured without --pcap, into the
// current directory; no other link is.
func TestRunCaptureTrueWithoutPcap(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("lab.yaml", []byte(`name: marked
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}, eth1: {address: 10.0.1.1/24}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
  c: {interfaces: {eth0: {address: 10.0.1.2/24}}}
links:
  - {endpoints: [a:eth0, b:eth0]}
  - {id: watched, endpoints: [a:eth1, c:eth0], capture: true}
steps:
  - ping: {from: a, to: 10.0.1.2, count: 1}
  - expect: {ping-replies: 1}
`), 0o644)
	code, out, errs := runCLI(t, "run", "lab.yaml")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "lab.yaml marked-watched.pcap" {
		t.Errorf("got files %v, want lab.yaml and marked-watched.pcap", names)
	}
	if !strings.Contains(out, "capture watched → marked-watched.pcap, 6 frames") {
		t.Errorf("output:\n%s", out)
	}
}
