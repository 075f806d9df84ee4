package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/netlab/netlab/labs/pitfalls"
	"github.com/spf13/cobra"
)

// The race demonstration is a program of netlab's module, built and run
// with `go run -race`: netlab itself is not race-built, and it never shows
// a stored report.
const (
	modulePath  = "github.com/netlab/netlab"
	raceDemoPkg = "labs/pitfalls/racedemo"
	// raceMarker is how the race detector starts each report.
	raceMarker = "WARNING: DATA RACE"
	// raceRanMarker is what the demonstration prints once it has run.
	raceRanMarker = "rounds ran for real"
	// sourceEnv names a checkout of netlab to build the demonstration in.
	sourceEnv = "NETLAB_SOURCE"
)

// raceDemoReport is the JSON form of a race demonstration.
type raceDemoReport struct {
	Format  string `json:"format"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// Command is what ran, Dir where.
	Command []string `json:"command"`
	Dir     string   `json:"dir,omitempty"`
	// Reported says the race detector printed a report; Ran says the
	// demonstration ran to its end.
	Reported bool `json:"race_reported"`
	Ran      bool `json:"ran"`
	Held     bool `json:"held"`
}

// runRaceDemo builds and runs p's demonstration under the race detector,
// passing its output through as it comes.
func runRaceDemo(cmd *cobra.Command, g *globals, p *pitfalls.Pitfall, safe bool) error {
	if !p.HasRaceDemo() {
		return fail(exitBadInput, fmt.Errorf("pitfall %s has no race demonstration: its bug is a logic race (every access is locked, so the race detector sees nothing); 'netlab pitfall %s' shows it", p.Name, p.Name))
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fail(exitNoPrivilege, errors.New("--race needs Go (https://go.dev/dl/) on the PATH: netlab builds the demonstration with go run -race"))
	}
	if err := haveCCompiler(goTool); err != nil {
		return fail(exitNoPrivilege, err)
	}
	args := []string{"run", "-race"}
	dir, pkg := findModuleSource(), "./"+raceDemoPkg
	env := append(os.Environ(), "CGO_ENABLED=1", "GORACE=halt_on_error=0")
	if dir == "" {
		v := moduleVersion()
		if v == "" {
			return fail(exitNoPrivilege, fmt.Errorf("--race needs netlab's source to build the demonstration: run netlab inside a checkout of %s, or set %s to one", modulePath, sourceEnv))
		}
		// A released netlab: the module proxy has its source.
		dir, pkg = os.TempDir(), modulePath+"/"+raceDemoPkg+"@"+v
		env = append(env, "GOFLAGS=-mod=mod")
	}
	args = append(args, pkg)
	if safe {
		args = append(args, "--safe")
	}
	args = append(args, p.Name)

	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if g.json {
		stdout = stderr // the child's output; the JSON summary goes to stdout
	} else {
		fmt.Fprintf(stdout, "pitfall %d, %s (%s version), run for real under the race detector:\n$ go %s    (in %s)\n\n",
			p.Number, p.Name, versionName(safe), strings.Join(args, " "), dir)
	}
	watch := &markerWatch{}
	child := exec.CommandContext(cmd.Context(), goTool, args...)
	child.Dir, child.Env = dir, env
	child.Stdout = io.MultiWriter(stdout, watch)
	child.Stderr = io.MultiWriter(stderr, watch)
	runErr := child.Run()
	reported, ran := watch.seen(raceMarker), watch.seen(raceRanMarker)
	held := ran && reported
	if safe {
		held = ran && !reported && runErr == nil
	}
	if g.json {
		err := json.NewEncoder(cmd.OutOrStdout()).Encode(raceDemoReport{
			Format: "netlab.pitfall-race/v1", Name: p.Name, Version: versionName(safe),
			Command: append([]string{"go"}, args...), Dir: dir, Reported: reported, Ran: ran, Held: held,
		})
		if err != nil {
			return err
		}
	} else {
		fmt.Fprintln(stdout)
		switch {
		case !ran:
			fmt.Fprintf(stdout, "NOT HELD: the demonstration did not run (%v)\n", runErr)
		case held && safe:
			fmt.Fprintln(stdout, "held: the race detector reported nothing: every access went through the tcpip goroutine")
		case held:
			fmt.Fprintf(stdout, "held: the race detector reported the unsafe version's data races; 'netlab pitfall %s --race --safe' runs the safe one\n", p.Name)
		case safe:
			fmt.Fprintln(stdout, "NOT HELD: the safe version raced or failed")
		default:
			fmt.Fprintln(stdout, "NOT HELD: the race detector reported nothing")
		}
	}
	if cmd.Context().Err() != nil {
		return fail(exitInterrupted, nil)
	}
	if !held {
		return fail(exitFailed, nil)
	}
	return nil
}

// haveCCompiler checks that the C compiler Go would use for cgo exists:
// the race detector's runtime is linked through cgo.
func haveCCompiler(goTool string) error {
	out, err := exec.Command(goTool, "env", "CC").Output()
	cc := strings.Fields(string(out))
	if err != nil || len(cc) == 0 {
		cc = []string{"gcc"}
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return fmt.Errorf("--race needs a C compiler (%s, or set CC to gcc or clang): the race detector is linked through cgo", cc[0])
	}
	return nil
}

// findModuleSource returns the root of a checkout of netlab's module to
// build the demonstration in: $NETLAB_SOURCE, the directory this binary
// was built from, or the working directory or one above it; "" when none
// is there.
func findModuleSource() string {
	var candidates []string
	if d := os.Getenv(sourceEnv); d != "" {
		candidates = append(candidates, d)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		// cmd/netlab/pitfall_race.go at build time (not with -trimpath).
		candidates = append(candidates, filepath.Dir(filepath.Dir(filepath.Dir(file))))
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			candidates = append(candidates, d)
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, d := range candidates {
		if isModuleRoot(d) {
			return d
		}
	}
	return ""
}

// isModuleRoot reports whether dir holds netlab's go.mod and the
// demonstration's source.
func isModuleRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			if fields[1] != modulePath {
				return false
			}
			_, err := os.Stat(filepath.Join(dir, raceDemoPkg, "main.go"))
			return err == nil
		}
	}
	return false
}

// moduleVersion is the released version this binary was built at, "" for
// a development build.
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Path != modulePath || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return ""
	}
	return bi.Main.Version
}

// markerWatch is a writer that notes which markers passed through it,
// also across writes. Both of the child's streams write to it.
type markerWatch struct {
	mu   sync.Mutex
	tail []byte // the last bytes written, to find markers split by writes
	hits map[string]bool
}

func (w *markerWatch) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hits == nil {
		w.hits = map[string]bool{}
	}
	buf := append(w.tail, b...)
	for _, m := range []string{raceMarker, raceRanMarker} {
		if bytes.Contains(buf, []byte(m)) {
			w.hits[m] = true
		}
	}
	keep := min(len(buf), 64)
	w.tail = append([]byte(nil), buf[len(buf)-keep:]...)
	return len(b), nil
}

func (w *markerWatch) seen(marker string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hits[marker]
}
