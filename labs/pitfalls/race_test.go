package pitfalls

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// raceChildEnv selects, in a child test binary, the pitfall and version
// TestRaceChild runs for real ("netif-add:unsafe").
const raceChildEnv = "NETLAB_PITFALL_RACE_CHILD"

// raceRounds is how many times a demonstration runs its scenario.
const raceRounds = 20

// TestRaceChild is the child: it runs one demonstration for real and
// lets the race detector speak. It does nothing unless raceChildEnv is
// set.
func TestRaceChild(t *testing.T) {
	sel := os.Getenv(raceChildEnv)
	if sel == "" {
		t.Skip("only run as the child of TestRaceDetectorDemonstrations")
	}
	name, version, _ := strings.Cut(sel, ":")
	p, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.RunForReal(version == "safe", raceRounds)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s %s: %d rounds, %d broke the invariant\n", name, version, res.Rounds, res.Broken)
}

// TestRaceDetectorDemonstrations re-runs this race-built test binary as a
// child for each pitfall with a demonstration: the unsafe version must
// bring the race detector's report, the safe one must not.
func TestRaceDetectorDemonstrations(t *testing.T) {
	if os.Getenv(raceChildEnv) != "" {
		t.Skip("in the child")
	}
	if !raceBuilt {
		t.Skip("needs a test binary built with -race (CI runs the tests with -race)")
	}
	for _, p := range All() {
		if !p.HasRaceDemo() {
			if _, err := p.RunForReal(false, 1); err == nil {
				t.Errorf("%s: RunForReal ran without a demonstration", p.Name)
			}
			continue
		}
		for _, version := range []string{"unsafe", "safe"} {
			t.Run(p.Name+"/"+version, func(t *testing.T) {
				cmd := exec.Command(os.Args[0], "-test.run=^TestRaceChild$", "-test.count=1", "-test.v")
				cmd.Env = append(os.Environ(), raceChildEnv+"="+p.Name+":"+version, "GORACE=halt_on_error=0")
				out, err := cmd.CombinedOutput()
				report := strings.Contains(string(out), "WARNING: DATA RACE")
				switch {
				case version == "unsafe" && !report:
					t.Fatalf("no race report from the unsafe version (err %v):\n%s", err, out)
				case version == "safe" && report:
					t.Fatalf("race report from the safe version:\n%s", out)
				case version == "safe" && err != nil:
					t.Fatalf("safe child failed: %v\n%s", err, out)
				case !strings.Contains(string(out), fmt.Sprintf("%d rounds", raceRounds)):
					t.Fatalf("the child did not run the demonstration:\n%s", out)
				}
			})
		}
	}
}
