package run_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// runCaptured runs lab with every link captured into a new directory and
// returns each file's bytes by name, and the captures' statuses.
func runCaptured(t *testing.T, lab *labs.Lab) (map[string][]byte, []run.CaptureStatus) {
	t.Helper()
	return runCapturedOpts(t, lab, true)
}

// runCapturedOpts is runCaptured, failing the test when the lab fails only
// if mustPass.
func runCapturedOpts(t *testing.T, lab *labs.Lab, mustPass bool) (map[string][]byte, []run.CaptureStatus) {
	t.Helper()
	needHost(t, lab)
	dir := t.TempDir()
	w, err := run.Build(lab, run.Options{CaptureDir: dir, CaptureAll: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := w.Run(ctx)
	sts, err := w.StopCaptures()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if mustPass && !rep.Passed {
		t.Fatalf("%s: %s", lab.Name, rep.Summary())
	}
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files, sts
}

// frames reads every frame of a pcap file's bytes.
func frames(t *testing.T, b []byte) [][]byte {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
}

// TestCapturesAreDeterministic runs every built-in lab with every link
// captured, again under GOMAXPROCS 1 and 2, and compares the files byte
// for byte.
func TestCapturesAreDeterministic(t *testing.T) {
	for _, name := range labs.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			lab, err := labs.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			if lab.Clock != labs.ClockVirtual {
				t.Skip("only the virtual clock repeats a run exactly")
			}
			first, sts := runCaptured(t, lab)
			if len(first) != len(lab.Links) || len(sts) != len(lab.Links) {
				t.Fatalf("got %d files and %d captures for %d links", len(first), len(sts), len(lab.Links))
			}
			var written uint64
			for _, st := range sts {
				written += st.Stats.Written
				if st.Stats.Dropped != 0 || st.Stats.Failed != 0 {
					t.Errorf("link %s: %+v", st.Link, st.Stats)
				}
				if want := name + "-" + st.Link + ".pcap"; filepath.Base(st.Path) != want {
					t.Errorf("link %s: captured to %s, want %s", st.Link, st.Path, want)
				}
			}
			if written == 0 {
				t.Fatal("nothing captured")
			}
			for _, procs := range []int{1, 2, 2} {
				prev := runtime.GOMAXPROCS(procs)
				again, _ := runCaptured(t, lab)
				runtime.GOMAXPROCS(prev)
				for file, b := range first {
					if !bytes.Equal(again[file], b) {
						t.Fatalf("GOMAXPROCS %d: %s differs (%d bytes, then %d)", procs, file, len(b), len(again[file]))
					}
				}
			}
		})
	}
}

// A capture holds exactly the frames its link delivered.
func TestCaptureMatchesLinkCounters(t *testing.T) {
	lab, err := labs.Builtin("router")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := run.Build(lab, run.Options{CaptureDir: dir, CaptureAll: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if rep := w.Run(context.Background()); !rep.Passed {
		t.Fatal(rep.Summary())
	}
	sts, err := w.StopCaptures()
	if err != nil {
		t.Fatal(err)
	}
	for i, ls := range w.LinkStats() {
		delivered := ls.AtoB.RxFrames + ls.AtoB.NoReceiver + ls.BtoA.RxFrames + ls.BtoA.NoReceiver
		b, err := os.ReadFile(sts[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		if got := uint64(len(frames(t, b))); got != delivered || sts[i].Stats.Written != delivered {
			t.Errorf("link %s: %d frames in the file, %d written, %d delivered", sts[i].Link, got, sts[i].Stats.Written, delivered)
		}
	}
}

const markedLab = `
name: marked
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}, eth1: {address: 10.0.1.1/24}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
  c: {interfaces: {eth0: {address: 10.0.1.2/24}}}
links:
  - {endpoints: [a:eth0, b:eth0]}
  - {id: watched, endpoints: [a:eth1, c:eth0], capture: true}
steps:
  - ping: {from: a, to: 10.0.0.2, count: 1}
  - ping: {from: a, to: 10.0.1.2, count: 1}
  - expect: {ping-replies: 1}
`

// Without CaptureAll, only the links marked capture: true are captured.
func TestCaptureTrueLinks(t *testing.T) {
	lab, err := labs.Load("marked.yaml", []byte(markedLab))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := run.Build(lab, run.Options{CaptureDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if rep := w.Run(context.Background()); !rep.Passed {
		t.Fatal(rep.Summary())
	}
	if got := w.Captures(); len(got) != 1 || got[0].Link != "watched" || got[0].Stats.Captured == 0 {
		t.Fatalf("got captures %+v, want watched's", got)
	}
	w.Close()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "marked-watched.pcap" {
		t.Fatalf("got files %v, want marked-watched.pcap", entries)
	}
}

// Captures start and stop per link while the world runs, as the TUI does.
func TestStartStopCapture(t *testing.T) {
	lab, err := labs.Builtin("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := run.Build(lab, run.Options{CaptureDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if got := w.Captures(); len(got) != 0 {
		t.Fatalf("a lab without capture: true starts with captures %v", got)
	}
	if err := w.StartCapture("nope", filepath.Join(dir, "x.pcap")); !errors.Is(err, run.ErrNoLink) {
		t.Errorf("StartCapture(nope): got %v, want ErrNoLink", err)
	}
	if err := w.StartCapture("l1", filepath.Join(dir, "missing", "x.pcap")); err == nil {
		t.Error("StartCapture into a missing directory succeeded")
	}
	path := w.CapturePath("l1")
	if want := filepath.Join(dir, "quickstart-l1.pcap"); path != want {
		t.Errorf("CapturePath(l1) = %s, want %s", path, want)
	}
	if err := w.StartCapture("l1", path); err != nil {
		t.Fatal(err)
	}
	if err := w.StartCapture("l1", path); !errors.Is(err, run.ErrCapturing) {
		t.Errorf("second StartCapture: got %v, want ErrCapturing", err)
	}
	if !w.Capturing("l1") {
		t.Error("Capturing(l1) = false")
	}
	if rep := w.Run(context.Background()); !rep.Passed {
		t.Fatal(rep.Summary())
	}
	st, err := w.StopCapture("l1")
	if err != nil {
		t.Fatal(err)
	}
	if st.Path != path || st.Stats.Written < 10 || st.Stats.Dropped != 0 {
		t.Errorf("got %+v", st)
	}
	if _, err := w.StopCapture("l1"); !errors.Is(err, run.ErrNotCapturing) {
		t.Errorf("second StopCapture: got %v, want ErrNotCapturing", err)
	}
	if got, want := w.CapturePath("l1"), filepath.Join(dir, "quickstart-l1-2.pcap"); got != want {
		t.Errorf("CapturePath after one capture = %s, want %s", got, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fs := frames(t, b)
	if uint64(len(fs)) != st.Stats.Written {
		t.Errorf("the file holds %d frames, the capture wrote %d", len(fs), st.Stats.Written)
	}
	// The first frame is b's ARP request for a, broadcast.
	if len(fs) == 0 || !slices.Equal(fs[0][:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) || fs[0][12] != 0x08 || fs[0][13] != 0x06 {
		t.Errorf("first frame is not a broadcast ARP: % x", fs[0][:min(len(fs[0]), 14)])
	}
	w.Close()
	if err := w.StartCapture("l1", w.CapturePath("l1")); !errors.Is(err, run.ErrClosed) {
		t.Errorf("StartCapture after Close: got %v, want ErrClosed", err)
	}
}

// Close writes out and closes the captures still running.
func TestCloseStopsCaptures(t *testing.T) {
	lab, err := labs.Builtin("router")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := run.Build(lab, run.Options{CaptureDir: filepath.Join(dir, "new", "dir"), CaptureAll: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep := w.Run(context.Background()); !rep.Passed {
		t.Fatal(rep.Summary())
	}
	w.Close()
	if got := w.Captures(); len(got) != 0 {
		t.Errorf("captures still running after Close: %v", got)
	}
	for _, id := range []string{"lan1", "lan2"} {
		b, err := os.ReadFile(filepath.Join(dir, "new", "dir", "router-"+id+".pcap"))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(frames(t, b)); n < 10 {
			t.Errorf("%s: %d frames", id, n)
		}
	}
}

func TestCaptureDirThatIsAFile(t *testing.T) {
	lab, err := labs.Builtin("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := run.Build(lab, run.Options{CaptureDir: file, CaptureAll: true})
	if err == nil {
		w.Close()
		t.Fatal("Build with a capture directory that is a file succeeded")
	}
	if !strings.Contains(err.Error(), "capture directory") {
		t.Errorf("got %v", err)
	}
}

// inFlight ends with datagrams still crossing the wire (and echoing back)
// when its last step returns.
const inFlight = `
name: inflight
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}, apps: [{udp-echo: {port: 7}}]}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - {endpoints: [a:eth0, b:eth0]}
steps:
  - ping: {from: b, to: 10.0.0.1, count: 1}
  - socket: {node: b, id: s, bind: 0.0.0.0:5000}
  - send: {socket: s, to: 10.0.0.1:7, size: 100, count: 20}
`

// The captures end where the run's last instant ends, not wherever the
// stacks happened to be when the run returned.
func TestCapturesEndWithTheLastInstant(t *testing.T) {
	lab, err := labs.Load("inflight.yaml", []byte(inFlight))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := runCaptured(t, lab)
	// Two ARP announcements, an ARP request and reply, an echo request and
	// reply, 20 datagrams and 20 echoes.
	if n := len(frames(t, first["inflight-l1.pcap"])); n != 46 {
		t.Fatalf("got %d frames, want 46", n)
	}
	for i := range 20 {
		prev := runtime.GOMAXPROCS(1 + i%2)
		again, _ := runCaptured(t, lab)
		runtime.GOMAXPROCS(prev)
		if !bytes.Equal(again["inflight-l1.pcap"], first["inflight-l1.pcap"]) {
			t.Fatalf("run %d: the capture differs", i+2)
		}
	}
}

// On the real clock a capture is stamped with wall time.
func TestCaptureOnTheRealClock(t *testing.T) {
	src, err := labs.BuiltinSource("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := labs.Load("quickstart-real.yaml", []byte(strings.Replace(string(src), "clock: virtual", "clock: real", 1)))
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	files, sts := runCaptured(t, lab)
	after := time.Now()
	r, err := pcapgo.NewReader(bytes.NewReader(files["quickstart-l1.pcap"]))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var last time.Time
	for {
		_, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ci.Timestamp.Before(before) || ci.Timestamp.After(after) {
			t.Errorf("frame %d stamped %v, outside the run (%v to %v)", n+1, ci.Timestamp, before, after)
		}
		last = ci.Timestamp
		n++
	}
	if n < 10 || uint64(n) != sts[0].Stats.Written {
		t.Errorf("got %d frames, the capture wrote %d", n, sts[0].Stats.Written)
	}
	if last.Sub(before) < 200*time.Millisecond {
		t.Errorf("the last frame came %v after the start; the pings alone take 200ms", last.Sub(before))
	}
}
