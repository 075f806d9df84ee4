package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"go.uber.org/goleak"

	"github.com/netlab/netlab/internal/crash"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// packet is one record read back from a pcap stream.
type packet struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// readAll parses a whole pcap stream, checking its header.
func readAll(t *testing.T, b []byte) []packet {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("pcapgo.NewReader: %v", err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("got link type %v, want Ethernet", r.LinkType())
	}
	if r.Resolution() != gopacket.TimestampResolutionNanosecond {
		t.Errorf("got resolution %v, want nanoseconds", r.Resolution())
	}
	var out []packet
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(out), err)
		}
		out = append(out, packet{ci, data})
	}
}

// testFrame is an n-byte frame whose bytes say i.
func testFrame(i, n int) []byte {
	f := make([]byte, n)
	for j := range f {
		f[j] = byte(i + j)
	}
	return f
}

// syncBuffer is a bytes.Buffer safe to read after the writer is closed
// and, with its mutex, while it writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func TestFramesInOrderWithTimestamps(t *testing.T) {
	var out syncBuffer
	epoch := time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)
	w := New(&out, Options{Epoch: epoch})
	var want []packet
	for i := range 300 {
		f := testFrame(i, 42+i%1500)
		at := time.Duration(i) * 1234567 * time.Nanosecond
		w.Capture(at, f)
		want = append(want, packet{gopacket.CaptureInfo{Timestamp: epoch.Add(at), CaptureLength: len(f), Length: len(f)}, bytes.Clone(f)})
		clear(f) // the writer must have copied it
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, out.Bytes())
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.ci.Timestamp.Equal(w.ci.Timestamp) || g.ci.CaptureLength != w.ci.CaptureLength || g.ci.Length != w.ci.Length {
			t.Fatalf("record %d: got %v %d/%d, want %v %d/%d", i, g.ci.Timestamp, g.ci.CaptureLength, g.ci.Length,
				w.ci.Timestamp, w.ci.CaptureLength, w.ci.Length)
		}
		if !bytes.Equal(g.data, w.data) {
			t.Fatalf("record %d: bytes differ", i)
		}
	}
	st := w.Stats()
	if st.Captured != 300 || st.Written != 300 || st.Dropped != 0 || st.Failed != 0 || st.Late != 0 {
		t.Errorf("got stats %+v", st)
	}
}

func TestZeroEpochIsUnixEpoch(t *testing.T) {
	var out syncBuffer
	w := New(&out, Options{})
	w.Capture(1500*time.Millisecond, testFrame(1, 60))
	w.Close()
	got := readAll(t, out.Bytes())
	if len(got) != 1 {
		t.Fatalf("got %d records", len(got))
	}
	if ts := got[0].ci.Timestamp; ts.Unix() != 1 || ts.Nanosecond() != 500_000_000 {
		t.Errorf("got timestamp %v (%d.%09d), want 1.5s after the Unix epoch", ts, ts.Unix(), ts.Nanosecond())
	}
}

// The same frames give the same bytes: nothing in the file depends on
// when or how fast the writer's goroutine ran.
func TestSameFramesSameBytes(t *testing.T) {
	write := func(chunk int) []byte {
		var out syncBuffer
		w := New(&out, Options{})
		for i := range 500 {
			w.Capture(time.Duration(i)*time.Millisecond, testFrame(i, 60+i))
			if i%chunk == 0 {
				time.Sleep(time.Microsecond) // let the writer take partial batches
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	a, b := write(1), write(1000)
	if !bytes.Equal(a, b) {
		t.Fatal("the same frames gave different files")
	}
}

func TestSnapLenCutsFrames(t *testing.T) {
	var out syncBuffer
	w := New(&out, Options{SnapLen: 64})
	w.Capture(0, testFrame(1, 1514))
	w.Capture(0, testFrame(2, 60))
	w.Close()
	got := readAll(t, out.Bytes())
	if len(got) != 2 {
		t.Fatalf("got %d records", len(got))
	}
	if ci := got[0].ci; ci.CaptureLength != 64 || ci.Length != 1514 || !bytes.Equal(got[0].data, testFrame(1, 64)) {
		t.Errorf("record 0: got %d/%d bytes, want 64/1514", ci.CaptureLength, ci.Length)
	}
	if ci := got[1].ci; ci.CaptureLength != 60 || ci.Length != 60 {
		t.Errorf("record 1: got %d/%d bytes, want 60/60", ci.CaptureLength, ci.Length)
	}
	if st := w.Stats(); st.WrittenBytes != 124 {
		t.Errorf("got WrittenBytes %d, want 124", st.WrittenBytes)
	}
}

// gate is an io.Writer that blocks every Write until it is opened.
type gate struct {
	open    chan struct{}
	entered chan struct{} // closed at the first Write
	once    sync.Once
	buf     syncBuffer
}

func newGate() *gate { return &gate{open: make(chan struct{}), entered: make(chan struct{})} }

func (g *gate) Write(p []byte) (int, error) {
	g.once.Do(func() { close(g.entered) })
	<-g.open
	return g.buf.Write(p)
}

// While the output is stuck, Capture keeps returning: it fills the queue,
// then drops and counts; the frames it queued are written once the output
// moves again, and nothing else.
func TestFullQueueDropsAndCountsNeverBlocks(t *testing.T) {
	out := newGate()
	w := New(out, Options{QueueFrames: 10})
	<-out.entered // the writer's goroutine is stuck writing the file header
	const n = 100_000
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		for i := range n {
			w.Capture(time.Duration(i), testFrame(i, 60))
		}
	}()
	select {
	case <-returned:
	case <-time.After(30 * time.Second):
		t.Fatal("Capture blocked while the output was stuck")
	}
	st := w.Stats()
	if st.Captured != 10 || st.Dropped != n-10 || st.Written != 0 {
		t.Errorf("with the output stuck: got stats %+v, want 10 captured, %d dropped", st, n-10)
	}
	close(out.open)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, out.buf.Bytes())
	if len(got) != 10 {
		t.Fatalf("got %d records, want the 10 queued", len(got))
	}
	for i, p := range got {
		if !bytes.Equal(p.data, testFrame(i, 60)) || p.ci.Timestamp.UnixNano() != int64(i) {
			t.Errorf("record %d is not frame %d", i, i)
		}
	}
	if st := w.Stats(); st.Written != 10 || st.Captured != 10 || st.Dropped != n-10 {
		t.Errorf("after Close: got stats %+v", st)
	}
}

// With WaitWhenFull, a full queue makes Capture wait for the writer
// instead of dropping: while the output is stuck, the capturing goroutine
// waits after filling the queue; once the output moves, every frame is
// written, in order, none dropped (a frame larger than the whole queue
// included).
func TestWaitWhenFullLosesNothing(t *testing.T) {
	out := newGate()
	w := New(out, Options{QueueFrames: 10, QueueBytes: 1000, WaitWhenFull: true})
	<-out.entered
	const n = 5000
	var queued atomic.Int64
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		for i := range n {
			size := 60
			if i == n/2 {
				size = 1500 // more than QueueBytes
			}
			w.Capture(time.Duration(i), testFrame(i, size))
			queued.Add(1)
		}
	}()
	select {
	case <-returned:
		t.Fatal("Capture returned every frame while the output was stuck: it dropped instead of waiting")
	case <-time.After(200 * time.Millisecond):
	}
	if got := queued.Load(); got > 11 { // 10 in the queue, the 11th waiting
		t.Errorf("%d frames taken while the output was stuck, want at most the queue's 10", got)
	}
	close(out.open)
	<-returned
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, out.buf.Bytes())
	if st := w.Stats(); len(got) != n || st.Captured != n || st.Dropped != 0 || st.Written != n {
		t.Fatalf("got %d records, stats %+v; want all %d, none dropped", len(got), st, n)
	}
	for i, p := range got {
		if p.ci.Timestamp.UnixNano() != int64(i) {
			t.Fatalf("record %d has the time of frame %d", i, p.ci.Timestamp.UnixNano())
		}
	}
}

func TestQueueBytesBound(t *testing.T) {
	out := newGate()
	w := New(out, Options{QueueBytes: 1000})
	<-out.entered
	for i := range 10 {
		w.Capture(0, testFrame(i, 300)) // three fit in 1000 bytes
	}
	w.Capture(0, testFrame(10, 100)) // and this one still does
	close(out.open)
	w.Close()
	if st := w.Stats(); st.Captured != 4 || st.Dropped != 7 || st.Written != 4 {
		t.Errorf("got stats %+v, want 4 captured, 7 dropped", st)
	}
	if got := readAll(t, out.buf.Bytes()); len(got) != 4 || len(got[3].data) != 100 {
		t.Errorf("got %d records", len(got))
	}
}

// Close writes out everything queued before it, even when the writer's
// goroutine is busy; frames after Close are Late, not written.
func TestCloseFlushes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.pcap")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		w.Capture(time.Duration(i), testFrame(i, 100))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Capture(0, testFrame(0, 60))
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: got %v, want ErrClosed", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, data); len(got) != 5000 {
		t.Fatalf("got %d records, want 5000", len(got))
	}
	if want := 24 + 5000*(16+100); len(data) != want {
		t.Errorf("file is %d bytes, want %d", len(data), want)
	}
	if st := w.Stats(); st.Written != 5000 || st.Late != 1 {
		t.Errorf("got stats %+v", st)
	}
}

func TestCreateFails(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "no", "such", "dir", "x.pcap"), Options{}); err == nil {
		t.Fatal("Create in a missing directory succeeded")
	}
}

// failing is an io.Writer that fails after n bytes.
type failing struct{ n int }

func (f *failing) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriteErrorsAreReportedAndCounted(t *testing.T) {
	w := New(&failing{n: 24}, Options{}) // the header, then nothing
	for i := range 10 {
		w.Capture(0, testFrame(i, 60))
	}
	err := w.Close()
	if err == nil || err.Error() != "disk full" && !bytes.Contains([]byte(err.Error()), []byte("disk full")) {
		t.Fatalf("Close: got %v, want disk full", err)
	}
	if st := w.Stats(); st.Written != 0 || st.Failed != 10 || st.Captured != 10 {
		t.Errorf("got stats %+v, want 10 failed", st)
	}
	if !errors.Is(w.Err(), err) && w.Err().Error() != err.Error() {
		t.Errorf("Err() = %v, Close() = %v", w.Err(), err)
	}
}

// Many goroutines capture at once (run with -race): every frame is written
// exactly once, and each goroutine's frames keep their order.
func TestConcurrentCapture(t *testing.T) {
	var out syncBuffer
	const writers, each = 8, 2000
	w := New(&out, Options{QueueFrames: writers * each}) // room for all: no drops
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				f := make([]byte, 60)
				f[0], f[1], f[2] = byte(g), byte(i>>8), byte(i)
				w.Capture(time.Duration(i), f)
				if i%100 == 0 {
					_ = w.Stats()
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, out.Bytes())
	if len(got) != writers*each {
		t.Fatalf("got %d records, want %d", len(got), writers*each)
	}
	next := make([]int, writers)
	for _, p := range got {
		g, i := int(p.data[0]), int(p.data[1])<<8|int(p.data[2])
		if i != next[g] {
			t.Fatalf("goroutine %d: got frame %d, want %d", g, i, next[g])
		}
		next[g]++
	}
}

func ExampleWriter() {
	var out bytes.Buffer
	w := New(&out, Options{})
	w.Capture(time.Millisecond, make([]byte, 60))
	w.Close()
	st := w.Stats()
	fmt.Println(st.Written, out.Len())
	// Output: 1 100
}

// panickingWriter blocks its first write until release is closed, then
// panics.
type panickingWriter struct{ entered, release chan struct{} }

func (p *panickingWriter) Write([]byte) (int, error) {
	close(p.entered)
	<-p.release
	panic("disk on fire")
}

// TestWriterPanicEndsWaitsAndReports: with crash recovery on (the netlab
// command's), a writer's goroutine that panics ends in order: the panic is
// kept for the command to report, a Capture waiting for room (WaitWhenFull)
// returns and counts its frame as late, and Close returns.
func TestWriterPanicEndsWaitsAndReports(t *testing.T) {
	crash.Enable()
	t.Cleanup(crash.Reset)
	out := &panickingWriter{entered: make(chan struct{}), release: make(chan struct{})}
	w := New(out, Options{QueueFrames: 2, WaitWhenFull: true})
	<-out.entered // the writer is stuck writing the file header
	w.Capture(0, testFrame(1, 60))
	w.Capture(1, testFrame(2, 60))
	waited := make(chan struct{})
	go func() {
		defer close(waited)
		w.Capture(2, testFrame(3, 60)) // the queue is full: it waits
	}()
	time.Sleep(20 * time.Millisecond)
	select {
	case <-waited:
		t.Fatal("Capture did not wait for room")
	default:
	}
	close(out.release)
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("a Capture waiting for room still waits after the writer panicked")
	}
	<-crash.Happened()
	if err := crash.Err(); err == nil || err.Error() != "netlab's capture writer goroutine panicked: disk on fire" {
		t.Fatalf("crash.Err() = %v", err)
	}
	if st := w.Stats(); st.Captured != 2 || st.Late != 1 {
		t.Errorf("stats %+v, want 2 captured and the waiting frame late", st)
	}
	w.Close()
}
