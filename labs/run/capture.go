package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/capture"
)

// VirtualEpoch is the wall time that clock time 0 stands for in the
// captures of a virtual-clock world: the Unix epoch, so that a capture's
// absolute timestamps read as clock times, and the same lab and seed give
// the same files byte for byte.
var VirtualEpoch = time.Unix(0, 0).UTC()

// Errors of the capture calls.
var (
	// ErrNoLink is returned for a link id the lab does not have.
	ErrNoLink = errors.New("run: no such link")
	// ErrCapturing is returned by StartCapture for a link already captured.
	ErrCapturing = errors.New("run: link is already being captured")
	// ErrNotCapturing is returned by StopCapture for a link not captured.
	ErrNotCapturing = errors.New("run: link is not being captured")
)

// CaptureStatus is one link's capture: where it goes and what it did.
type CaptureStatus struct {
	// Link is the link's id.
	Link string
	// Path is the pcap file.
	Path string
	// Stats counts the frames captured, written and dropped.
	Stats capture.Stats
}

// captures are a world's running captures. Any goroutine, under mu.
type captures struct {
	mu      sync.Mutex
	running map[string]*linkCapture // by link id
	started map[string]int          // captures started so far, by link id
}

// linkCapture is one link's running capture.
type linkCapture struct {
	path string
	w    *capture.Writer
}

// CaptureEpoch returns the wall time that clock time 0 stands for in the
// world's captures: VirtualEpoch on a virtual clock, the time the clock
// started on the real one.
func (w *World) CaptureEpoch() time.Time {
	if r, ok := w.Clock.(*clock.Real); ok {
		return r.Epoch()
	}
	return VirtualEpoch
}

// CapturePath returns where a capture of link id started now would go by
// default: <lab>-<link>.pcap in Options.CaptureDir (the current directory
// when empty) for the link's first capture in this world, then
// <lab>-<link>-2.pcap and so on, so that stopping and restarting a capture
// does not overwrite the last one.
func (w *World) CapturePath(id string) string {
	w.caps.mu.Lock()
	n := w.caps.started[id]
	w.caps.mu.Unlock()
	name := w.Lab.Name + "-" + id
	if n > 0 {
		name += fmt.Sprintf("-%d", n+1)
	}
	return filepath.Join(w.opts.CaptureDir, name+".pcap")
}

// StartCapture starts writing every frame link id delivers, both ways, to
// a pcap file at path (created, or truncated), from a goroutine of the
// capture's own: the stacks never wait for the file. Any goroutine.
func (w *World) StartCapture(id, path string) error {
	l := w.Link(id)
	if l == nil {
		return fmt.Errorf("%w: %q", ErrNoLink, id)
	}
	c := &w.caps
	c.mu.Lock()
	defer c.mu.Unlock()
	w.mu.Lock()
	closed := w.closed // checked under c.mu, so that Close's StopCaptures sees what starts before
	w.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if _, ok := c.running[id]; ok {
		return fmt.Errorf("%w: %s", ErrCapturing, id)
	}
	// On the virtual clock a full queue waits for the writer (wall time
	// only), so that the file holds every frame and replays exactly.
	cw, err := capture.Create(path, capture.Options{Epoch: w.CaptureEpoch(), WaitWhenFull: w.Virtual != nil})
	if err != nil {
		return fmt.Errorf("capturing link %s: %w", id, err)
	}
	if c.running == nil {
		c.running = map[string]*linkCapture{}
		c.started = map[string]int{}
	}
	c.running[id] = &linkCapture{path: path, w: cw}
	c.started[id]++
	l.Pipe.SetCapture(cw)
	w.log.Info("capture started", "link", id, "path", path)
	return nil
}

// StopCapture stops link id's capture, waits until every frame it took is
// written, closes its file and says what it did. Any goroutine.
func (w *World) StopCapture(id string) (CaptureStatus, error) {
	l := w.Link(id)
	if l == nil {
		return CaptureStatus{}, fmt.Errorf("%w: %q", ErrNoLink, id)
	}
	c := &w.caps
	c.mu.Lock()
	lc, ok := c.running[id]
	delete(c.running, id)
	c.mu.Unlock()
	if !ok {
		return CaptureStatus{}, fmt.Errorf("%w: %s", ErrNotCapturing, id)
	}
	l.Pipe.SetCapture(nil)
	err := lc.w.Close()
	st := CaptureStatus{Link: id, Path: lc.path, Stats: lc.w.Stats()}
	w.log.Info("capture stopped", "link", id, "path", lc.path, "written", st.Stats.Written, "dropped", st.Stats.Dropped)
	if err != nil {
		return st, fmt.Errorf("capturing link %s to %s: %w", id, lc.path, err)
	}
	return st, nil
}

// Capturing reports whether link id is being captured now. Any goroutine.
func (w *World) Capturing(id string) bool {
	w.caps.mu.Lock()
	defer w.caps.mu.Unlock()
	_, ok := w.caps.running[id]
	return ok
}

// Captures returns the captures running now, in lab order. Any goroutine;
// never blocks on a capture's file.
func (w *World) Captures() []CaptureStatus {
	w.caps.mu.Lock()
	defer w.caps.mu.Unlock()
	var out []CaptureStatus
	for _, l := range w.Links {
		if lc, ok := w.caps.running[l.ID]; ok {
			out = append(out, CaptureStatus{Link: l.ID, Path: lc.path, Stats: lc.w.Stats()})
		}
	}
	return out
}

// StopCaptures stops every running capture, in lab order, and returns
// what each did and the first error. Close calls it too; call it after
// Run to learn where the captures went and whether any dropped frames.
//
// On a paused virtual clock (where Run leaves it), it first lets the world
// finish the work of the current instant, so that frames a run's last
// step set off are in the files, the same ones on every run.
func (w *World) StopCaptures() ([]CaptureStatus, error) {
	if len(w.Captures()) == 0 {
		return nil, nil
	}
	w.settle()
	var out []CaptureStatus
	var first error
	for _, l := range w.Links {
		if !w.Capturing(l.ID) {
			continue
		}
		st, err := w.StopCapture(l.ID)
		if errors.Is(err, ErrNotCapturing) {
			continue // stopped by another goroutine meanwhile
		}
		out = append(out, st)
		if err != nil && first == nil {
			first = err
		}
	}
	return out, first
}

// startLabCaptures starts the captures a world begins with: every link's
// when Options.CaptureAll is set, else those the lab marks capture: true.
// It makes Options.CaptureDir if it does not exist.
func (w *World) startLabCaptures() error {
	var ids []string
	for _, l := range w.Links {
		if w.opts.CaptureAll || l.Spec.Capture {
			ids = append(ids, l.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if w.opts.CaptureDir != "" {
		if err := os.MkdirAll(w.opts.CaptureDir, 0o755); err != nil {
			return fmt.Errorf("capture directory: %w", err)
		}
	}
	for _, id := range ids {
		if err := w.StartCapture(id, w.CapturePath(id)); err != nil {
			return err
		}
	}
	return nil
}

// settleLimit bounds how long settle waits for a paused world to go idle.
const settleLimit = 5 * time.Second

// settle waits until a paused virtual world is idle: everything due at
// the current instant has run, and, time standing still, nothing more
// will. It returns at once on a running or real clock.
func (w *World) settle() {
	v := w.Virtual
	if v == nil || !v.Paused() {
		return
	}
	deadline := time.Now().Add(settleLimit)
	for !v.Idle() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Microsecond)
	}
}
