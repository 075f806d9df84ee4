package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/netlab/netlab/labs/pitfalls"
)

func TestPitfallList(t *testing.T) {
	code, out, errs := runCLI(t, "pitfall", "list")
	if code != exitOK {
		t.Fatalf("exit %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7:\n%s", len(lines), out)
	}
	for i, p := range pitfalls.All() {
		if !strings.Contains(lines[i], p.Name) || !strings.Contains(lines[i], p.Title) ||
			strings.Contains(lines[i], "--race") != p.HasRaceDemo() {
			t.Errorf("line %d = %q, want %s, its title and [--race] when it has a demonstration", i+1, lines[i], p.Name)
		}
	}
	code, out, _ = runCLI(t, "pitfall", "list", "--json")
	var list struct {
		Format   string
		Pitfalls []struct {
			Name     string
			RaceDemo bool `json:"race_demo"`
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != exitOK {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	if list.Format != pitfallListFormat || len(list.Pitfalls) != 7 || list.Pitfalls[1].Name != "netif-add" || !list.Pitfalls[1].RaceDemo {
		t.Errorf("got %+v", list)
	}
}

// TestPitfallText: the unsafe version shows the counts, the shortest
// failing interleaving in one column per actor, what broke and why; the
// safe version shows none broken; both exit 0.
func TestPitfallText(t *testing.T) {
	code, out, errs := runCLI(t, "pitfall", "netif-add")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"pitfall 2, netif-add (unsafe version, through the core's unsafe door",
		"invariant: every added netif is in the list",
		"interleavings (every interleaving): ",
		"shortest failing interleaving: ",
		"broken: eth1 and eth2 both have index",
		"netifapi.Add makes each addition",
		"held: the unsafe version breaks",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The trace's header names the actors, and each step's lines sit in
	// its actor's column.
	var header string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "step") {
			header = l
		}
	}
	c1, c2, c3 := strings.Index(header, "app eth1"), strings.Index(header, "app eth2"), strings.Index(header, "tcpip")
	if !(c1 > 0 && c2 > c1 && c3 > c2) {
		t.Fatalf("trace header %q lacks the three actors' columns:\n%s", header, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "AddNetif(eth2)"); i >= 0 && i != c2 {
			t.Errorf("eth2's step is at column %d, its actor's column is %d: %q", i, c2, l)
		}
		if strings.TrimRight(l, " ") != l {
			t.Errorf("line with trailing spaces: %q", l)
		}
	}
	code, out, _ = runCLI(t, "pitfall", "netif-add", "--safe")
	if code != exitOK || !strings.Contains(out, "(safe version, through netifapi.Add)") ||
		!strings.Contains(out, ": 0 broke the invariant") || strings.Contains(out, "shortest failing") {
		t.Errorf("--safe: exit %d\n%s", code, out)
	}
}

// TestPitfallJSONEveryPitfall: each pitfall's unsafe and safe versions,
// as JSON, held; the unsafe ones carry the shortest interleaving.
func TestPitfallJSONEveryPitfall(t *testing.T) {
	for _, p := range pitfalls.All() {
		for _, safe := range []bool{false, true} {
			args := []string{"pitfall", p.Name, "--json"}
			if safe {
				args = append(args, "--safe")
			}
			code, out, errs := runCLI(t, args...)
			var rep struct {
				Format, Name, Version string
				Held                  bool
				Explored, Broken      int
				Shortest              *pitfalls.Interleaving
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("%v: not JSON: %v\n%s%s", args, err, out, errs)
			}
			ok := rep.Format == pitfallFormat && rep.Name == p.Name && rep.Held && rep.Explored > 0
			if safe {
				ok = ok && rep.Version == "safe" && rep.Broken == 0 && rep.Shortest == nil
			} else {
				ok = ok && rep.Version == "unsafe" && rep.Broken > 0 && rep.Shortest != nil && len(rep.Shortest.Steps) > 0
			}
			if code != exitOK || !ok {
				t.Errorf("%v: exit %d, %+v", args, code, rep)
			}
		}
	}
}

// TestPitfallExitsOneWhenNotHeld: with the safe path broken (netifapi
// skipping the inbox) the safe version breaks, and the command says so
// with exit 1.
func TestPitfallExitsOneWhenNotHeld(t *testing.T) {
	pitfalls.BreakSafePath(true)
	defer pitfalls.BreakSafePath(false)
	code, out, _ := runCLI(t, "pitfall", "netif-add", "--safe")
	if code != exitFailed || !strings.Contains(out, "NOT HELD: the safe version broke") || !strings.Contains(out, "shortest failing") {
		t.Errorf("exit %d, want %d:\n%s", code, exitFailed, out)
	}
	code, out, _ = runCLI(t, "pitfall", "netif-add", "--safe", "--json")
	if code != exitFailed || !strings.Contains(out, `"held":false`) {
		t.Errorf("--json: exit %d, want %d:\n%s", code, exitFailed, out)
	}
}

func TestPitfallBadUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"pitfall", "nope"}, `no pitfall "nope"`},
		{[]string{"pitfall"}, "accepts 1 arg"},
		{[]string{"pitfall", "fd-reuse", "--race"}, "has no race demonstration"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != exitBadInput || !strings.Contains(out+errs, tc.err) {
			t.Errorf("%v: exit %d %q %q, want %d mentioning %q", tc.args, code, out, errs, exitBadInput, tc.err)
		}
	}
	code, out, _ := runCLI(t, "__complete", "pitfall", "netif-")
	if code != exitOK || !strings.Contains(out, "netif-add") || !strings.Contains(out, "netif-remove") {
		t.Errorf("completion: exit %d\n%s", code, out)
	}
}

// TestPitfallRace builds and runs the demonstrations with go run -race:
// the unsafe version brings the race detector's report, the safe one
// does not. CI has Go and gcc; elsewhere it skips without them.
func TestPitfallRace(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil || haveCCompiler("go") != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs Go and a C compiler for --race (%v)", err)
		}
		t.Skip("needs Go and a C compiler")
	}
	if findModuleSource() == "" {
		t.Fatal("the test runs inside the module, yet no source was found")
	}
	code, out, errs := runCLI(t, "pitfall", "netif-remove", "--race")
	if code != exitOK || !strings.Contains(out+errs, raceMarker) || !strings.Contains(out, "held: the race detector reported") {
		t.Fatalf("unsafe: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "pitfall", "netif-remove", "--race", "--safe", "--json")
	var rep raceDemoReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK {
		t.Fatalf("safe --json: exit %d, %v\n%s%s", code, err, out, errs)
	}
	if rep.Reported || !rep.Ran || !rep.Held || strings.Contains(errs, raceMarker) || !strings.Contains(errs, raceRanMarker) {
		t.Errorf("safe: %+v\n%s", rep, errs)
	}
}

// TestPitfallRaceSaysWhatIsMissing: without Go on the PATH, --race says
// it needs Go and exits 3.
func TestPitfallRaceSaysWhatIsMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	code, out, errs := runCLI(t, "pitfall", "netif-add", "--race")
	if code != exitNoPrivilege || !strings.Contains(errs, "--race needs Go") {
		t.Errorf("exit %d %q %q, want %d saying Go is needed", code, out, errs, exitNoPrivilege)
	}
}

func TestMarkerWatchAcrossWrites(t *testing.T) {
	w := &markerWatch{}
	w.Write([]byte("noise WARNING: DA"))
	w.Write([]byte("TA RACE\nmore"))
	if !w.seen(raceMarker) || w.seen(raceRanMarker) {
		t.Errorf("seen race %v, ran %v; want true, false", w.seen(raceMarker), w.seen(raceRanMarker))
	}
}

func TestModuleSource(t *testing.T) {
	dir := findModuleSource()
	if dir == "" || !isModuleRoot(dir) {
		t.Fatalf("findModuleSource() = %q inside the module", dir)
	}
	if isModuleRoot(t.TempDir()) {
		t.Error("an empty directory is a module root")
	}
	t.Setenv(sourceEnv, "/nonexistent")
	if findModuleSource() != dir {
		t.Error("a bad NETLAB_SOURCE hid the real source")
	}
}
