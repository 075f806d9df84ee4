// Command bench measures netlab's stacks side by side with gVisor's
// netstack and the Linux kernel on the same workloads, in one run on one
// machine, and prints a table (or, with --json, a versioned report).
//
//	cd bench && go run . [--json] [--reps N] [--only W] [--short] [--cpuprofile DIR]
//
// It lives in a module of its own so that gVisor never enters netlab's
// module. The equivalence rules every workload keeps are in the README's
// "Benchmarks against gVisor and the kernel" section and in equiv.go.
// Everything runs on the main goroutine except the stacks' own goroutines
// and the senders and receivers each workload starts and waits for.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
)

// params are the knobs every workload reads.
type params struct {
	// short shrinks each repetition (CI's smoke run).
	short bool
}

// sample measures one repetition of one side and returns its figure.
type sample func(p params) (float64, error)

// measure is one row of the table: how to get each side's figure.
type measure struct {
	name, unit string
	higher     bool
	netlab     sample
	gvisor     sample
	kernel     sample
	note       string
}

// workload is one of the numbered workloads: a group of rows.
type workload struct {
	id, title string
	// inMemory workloads need no root and run in CI's smoke run.
	inMemory bool
	measures func(p params) ([]measure, string)
}

// errSkip marks a side that cannot run here (no root, no /dev/net/tun).
var errSkip = errors.New("skipped")

func workloads() []workload {
	return []workload{
		{"1", "UDP datagrams/s, two stacks in memory", true, udpMeasures},
		{"2", "TCP bulk, two stacks in memory, MTU 1500", true, tcpMemMeasures},
		{"3", "TCP bulk, stack to kernel over TAP", false, tapMeasures},
		{"4", "interface add+remove round trip", true, netifMeasures},
		{"5", "scale", true, scaleMeasures},
		{"6", "allocations per packet", true, allocMeasures},
	}
}

func main() {
	var (
		asJSON  = flag.Bool("json", false, "write the versioned JSON report instead of the table")
		reps    = flag.Int("reps", 5, "repetitions of each figure (the median is reported)")
		only    = flag.String("only", "", "comma-separated workload numbers to run (1-6); all when empty")
		short   = flag.Bool("short", false, "small repetitions (CI's smoke run)")
		profDir = flag.String("cpuprofile", "", "write a CPU profile of each side of each row into this directory")
		memDir  = flag.String("memprofile", "", "write an allocation profile (every allocation sampled) of each side of each row into this directory")
	)
	flag.Parse()
	if *reps < 1 {
		fmt.Fprintln(os.Stderr, "bench: --reps must be at least 1")
		os.Exit(2)
	}
	for _, dir := range []string{*profDir, *memDir} {
		if dir == "" {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	want := map[string]bool{}
	for _, w := range strings.Split(*only, ",") {
		if w = strings.TrimSpace(w); w != "" {
			want[w] = true
		}
	}
	rep := &Report{
		Schema: SchemaVersion, GoVersion: runtime.Version(), GVisor: gvisorVersion(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		Reps: *reps, Short: *short,
	}
	rep.LoadAvg[0] = loadAvg()
	stopSignals := closeOnSignal()
	defer stopSignals()
	p := params{short: *short}
	failed := false
	for _, w := range workloads() {
		if len(want) > 0 && !want[w.id] {
			continue
		}
		if *short && !w.inMemory {
			continue
		}
		ms, note := w.measures(p)
		if len(ms) == 0 {
			rep.Rows = append(rep.Rows, Row{Workload: w.id + " " + w.title, Note: note})
			continue
		}
		for _, m := range ms {
			fmt.Fprintf(os.Stderr, "bench: %s %s\n", w.id, m.name)
			row, err := run(w.id+" "+m.name, m, p, *reps, profiles{cpu: *profDir, mem: *memDir})
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: %s %s: %v\n", w.id, m.name, err)
				failed = true
			}
			rep.Rows = append(rep.Rows, row)
		}
	}
	rep.LoadAvg[1] = loadAvg()
	var err error
	if *asJSON {
		err = rep.writeJSON(os.Stdout)
	} else {
		err = rep.writeTable(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// profiles are the directories profiles go to ("": none).
type profiles struct{ cpu, mem string }

// run takes reps samples of each side of m. Without profiles the sides
// alternate within each repetition, so that a change in the shared
// machine's load falls on both; with profiles each side runs its
// repetitions in one block, under one profile.
func run(name string, m measure, p params, reps int, prof profiles) (Row, error) {
	row := Row{Workload: name, Unit: m.unit, HigherIsBetter: m.higher, Note: m.note}
	sides := []struct {
		label string
		fn    sample
		out   **Figure
	}{{"netlab", m.netlab, &row.Netlab}, {"gvisor", m.gvisor, &row.GVisor}, {"kernel", m.kernel, &row.Kernel}}
	got := make([][]float64, len(sides))
	var errs []error
	take := func(i int) {
		if sides[i].fn == nil {
			return
		}
		v, err := sides[i].fn(p)
		if errors.Is(err, errSkip) {
			sides[i].fn = nil
			row.Note = strings.TrimSpace(row.Note + " " + sides[i].label + " " + err.Error())
			return
		}
		if err != nil {
			sides[i].fn = nil
			errs = append(errs, fmt.Errorf("%s: %w", sides[i].label, err))
			row.Note = strings.TrimSpace(row.Note + " " + sides[i].label + " failed: " + err.Error())
			return
		}
		got[i] = append(got[i], v)
	}
	if prof.cpu == "" && prof.mem == "" {
		for range reps {
			for i := range sides {
				take(i)
			}
		}
	} else {
		for i := range sides {
			if sides[i].fn == nil {
				continue
			}
			base := slug(name) + "-" + sides[i].label + ".pprof"
			if err := profiled(prof, base, func() {
				for range reps {
					take(i)
				}
			}); err != nil {
				return row, err
			}
		}
	}
	for i := range sides {
		*sides[i].out = newFigure(got[i])
	}
	row.finish()
	return row, errors.Join(errs...)
}

// profiled runs fn under a CPU profile written to prof.cpu/base and an
// allocation profile (every allocation recorded) to prof.mem/base.
func profiled(prof profiles, base string, fn func()) error {
	if prof.cpu != "" {
		f, err := os.Create(filepath.Join(prof.cpu, base))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if prof.mem == "" {
		fn()
		return nil
	}
	f, err := os.Create(filepath.Join(prof.mem, base))
	if err != nil {
		return err
	}
	defer f.Close()
	rate := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	fn()
	runtime.GC() // publishes the allocations made since the last cycle
	runtime.MemProfileRate = rate
	return pprof.Lookup("allocs").WriteTo(f, 0)
}

// slug turns a row's name into a file name.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// gvisorVersion returns the gVisor module version this binary was built
// with.
func gvisorVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "gvisor.dev/gvisor" {
				return d.Version
			}
		}
	}
	return "unknown"
}

// loadAvg returns the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}
