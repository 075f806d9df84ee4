package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// SchemaVersion is the version of the --json output; it changes when a
// field changes meaning or goes away.
const SchemaVersion = 1

// Figure is one side's result on one workload: the median of the
// repetitions and their spread.
type Figure struct {
	// Median is the median of Samples.
	Median float64 `json:"median"`
	// Min and Max bound the samples.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// Samples are the repetitions' values, in the order they ran.
	Samples []float64 `json:"samples"`
}

// newFigure summarises samples; nil when there are none.
func newFigure(samples []float64) *Figure {
	if len(samples) == 0 {
		return nil
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return &Figure{Median: med, Min: s[0], Max: s[len(s)-1], Samples: samples}
}

// Row is one line of the table: a workload's figures for netlab, gVisor's
// netstack and the kernel (nil where a side does not apply or was
// skipped).
type Row struct {
	// Workload names the measurement ("1 udp 64B").
	Workload string `json:"workload"`
	// Unit is the unit of every figure in the row ("dgrams/s").
	Unit string `json:"unit"`
	// HigherIsBetter says which way the ratio reads.
	HigherIsBetter bool    `json:"higher_is_better"`
	Netlab         *Figure `json:"netlab,omitempty"`
	GVisor         *Figure `json:"gvisor,omitempty"`
	Kernel         *Figure `json:"kernel,omitempty"`
	// Ratio is netlab's advantage over gVisor: netlab/gVisor when higher
	// is better, gVisor/netlab when lower is (so > 1 always means netlab
	// leads). 0 when either side is missing.
	Ratio float64 `json:"ratio,omitempty"`
	// Note says why a side is missing, or what the figure means.
	Note string `json:"note,omitempty"`
}

// finish computes the row's ratio.
func (r *Row) finish() {
	if r.Netlab == nil || r.GVisor == nil || r.Netlab.Median == 0 || r.GVisor.Median == 0 {
		return
	}
	if r.HigherIsBetter {
		r.Ratio = r.Netlab.Median / r.GVisor.Median
	} else {
		r.Ratio = r.GVisor.Median / r.Netlab.Median
	}
}

// Report is the whole run, as --json writes it.
type Report struct {
	Schema     int    `json:"schema"`
	GoVersion  string `json:"go_version"`
	GVisor     string `json:"gvisor_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	NumCPU     int    `json:"num_cpu"`
	// LoadAvg is /proc/loadavg when the run started and ended: the
	// machine is shared, and other work moves the figures.
	LoadAvg [2]string `json:"loadavg"`
	Reps    int       `json:"reps"`
	Short   bool      `json:"short"`
	Rows    []Row     `json:"rows"`
}

func (rep *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeTable prints the report as an aligned text table.
func (rep *Report) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "netlab vs gVisor netstack (%s) vs kernel · %s · GOMAXPROCS=%d of %d CPUs · %d reps, median [min–max]\n",
		rep.GVisor, rep.GoVersion, rep.GOMAXPROCS, rep.NumCPU, rep.Reps)
	fmt.Fprintf(w, "load average at start: %s · at end: %s\n\n", rep.LoadAvg[0], rep.LoadAvg[1])
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tunit\tnetlab\tgVisor\tkernel\tratio\tnote")
	for _, r := range rep.Rows {
		ratio := "—"
		if r.Ratio != 0 {
			ratio = fmt.Sprintf("%.2f×", r.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Workload, r.Unit, fig(r.Netlab), fig(r.GVisor), fig(r.Kernel), ratio, r.Note)
	}
	return tw.Flush()
}

// fig formats a figure as "median [min–max]".
func fig(f *Figure) string {
	if f == nil {
		return "—"
	}
	return num(f.Median) + " [" + num(f.Min) + "–" + num(f.Max) + "]"
}

// num formats v with three significant digits and an SI suffix.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 1e9:
		return trim(v/1e9) + "G"
	case a >= 1e6:
		return trim(v/1e6) + "M"
	case a >= 1e4:
		return trim(v/1e3) + "k"
	case a < 0.01:
		return fmt.Sprintf("%.2g", v)
	default:
		return trim(v)
	}
}

func trim(v float64) string {
	var s string
	switch a := math.Abs(v); {
	case a >= 100:
		s = fmt.Sprintf("%.0f", v)
	case a >= 10:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = fmt.Sprintf("%.2f", v)
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
