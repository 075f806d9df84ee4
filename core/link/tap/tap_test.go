//go:build linux

package tap

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"

	"github.com/netlab/netlab/core/link"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// devicePair returns the two ends of a non-blocking SOCK_SEQPACKET socket
// pair: like a TAP device, each read returns one whole frame. The first
// is handed to New; the test plays the kernel on the second.
func devicePair(t *testing.T) (dev, peer *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	dev = os.NewFile(uintptr(fds[0]), "dev")
	peer = os.NewFile(uintptr(fds[1]), "peer")
	t.Cleanup(func() { peer.Close() })
	return dev, peer
}

// sink is a Receiver that records batches.
type sink struct {
	mu      sync.Mutex
	frames  [][]byte
	batches int
	got     chan struct{}
}

func newSink() *sink { return &sink{got: make(chan struct{}, 1024)} }

func (s *sink) Receive(batch []*link.Buffer) {
	s.mu.Lock()
	s.batches++
	for _, b := range batch {
		s.frames = append(s.frames, bytes.Clone(b.Data))
		b.Release()
	}
	s.mu.Unlock()
	s.got <- struct{}{}
}

func (s *sink) wait(t *testing.T, n int) [][]byte {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		s.mu.Lock()
		if len(s.frames) >= n {
			f := s.frames
			s.mu.Unlock()
			return f
		}
		s.mu.Unlock()
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("got %d frames, want %d", len(s.frames), n)
		}
	}
}

func frame(i int, size int) []byte {
	f := make([]byte, size)
	for j := range f {
		f[j] = byte(i + j)
	}
	return f
}

func TestNewRejectsBlockingFile(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
	defer a.Close()
	defer b.Close()
	if _, err := New(a, Options{Name: "x"}); !errors.Is(err, ErrBlocking) {
		t.Fatalf("New(blocking file) = %v, want ErrBlocking", err)
	}
}

func TestTransmitWritesFrames(t *testing.T) {
	dev, peer := devicePair(t)
	e, err := New(dev, Options{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for i := range 100 {
		e.Transmit(frame(i, 60+i))
	}
	buf := make([]byte, link.MaxFrame)
	for i := range 100 {
		peer.SetReadDeadline(time.Now().Add(20 * time.Second))
		n, err := peer.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:n], frame(i, 60+i)) {
			t.Fatalf("frame %d: got %d bytes % x..., want %d bytes", i, n, buf[:4], 60+i)
		}
	}
	s := e.Stats()
	if s.Out.TxFrames != 100 || s.Out.RxFrames != 100 || s.Out.Dropped() != 0 {
		t.Fatalf("stats %v, want 100 offered and written, none dropped", s)
	}
}

// blockingSink is a sink whose first Receive blocks until release is
// closed, holding the reader.
type blockingSink struct {
	*sink
	entered chan struct{} // closed when the first Receive starts
	release chan struct{}
	once    sync.Once
}

func (s *blockingSink) Receive(batch []*link.Buffer) {
	first := false
	s.once.Do(func() { first = true })
	if first {
		close(s.entered)
		<-s.release
	}
	s.sink.Receive(batch)
}

// TestReceiveInBatches holds the reader in the receiver while the peer
// queues frames: once let go, the reader reads until the device has no
// more or the batch is full, so the queued frames arrive in full batches
// of Batch and a last one with the rest, none alone.
func TestReceiveInBatches(t *testing.T) {
	dev, peer := devicePair(t)
	const batch = 16
	e, err := New(dev, Options{Name: "t", Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := &blockingSink{sink: newSink(), entered: make(chan struct{}), release: make(chan struct{})}
	e.SetReceiver(s)
	defer close(s.release) // lets the reader go if the test fails early
	// The first frame alone: the reader hands it over and stays in the
	// receiver.
	if _, err := peer.Write(frame(0, 64)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the first frame never reached the receiver")
	}
	// The rest queue in the socket while the reader is held.
	const n = 1 + 4*batch + batch/2 // 73 small frames: a quarter of a default socket buffer
	for i := 1; i < n; i++ {
		if _, err := peer.Write(frame(i, 64)); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	s.release <- struct{}{}
	got := s.wait(t, n)
	for i, f := range got {
		if !bytes.Equal(f, frame(i, 64)) {
			t.Fatalf("frame %d differs", i)
		}
	}
	st := e.Stats()
	// One batch for the first frame, then (n-1)/batch full ones and one
	// with the remainder.
	want := uint64(1 + (n-1+batch-1)/batch)
	if st.In.TxFrames != n || st.In.RxFrames != n || st.Batches != want {
		t.Fatalf("stats %v batches %d, want %d read and delivered in %d batches", st, st.Batches, n, want)
	}
	s.mu.Lock()
	batches := s.batches
	s.mu.Unlock()
	if batches != int(want) {
		t.Fatalf("the receiver got %d batches, want %d", batches, want)
	}
	t.Logf("%d frames in %d batches", n, st.Batches)
}

func TestNoReceiverAndTooBig(t *testing.T) {
	dev, peer := devicePair(t)
	e, err := New(dev, Options{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := peer.Write(frame(1, 64)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for e.Stats().In.NoReceiver != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("stats %v, want 1 no-receiver drop", e.Stats())
		}
		time.Sleep(time.Millisecond)
	}
	e.Transmit(make([]byte, link.MaxFrame+1))
	if s := e.Stats(); s.Out.TooBig != 1 {
		t.Fatalf("stats %v, want 1 too-big drop", s)
	}
}

// A full queue drops on Transmit instead of blocking: the peer never
// reads, so the socket buffer fills, the writer waits, and the queue
// fills behind it.
func TestTransmitNeverBlocks(t *testing.T) {
	dev, _ := devicePair(t)
	e, err := New(dev, Options{Name: "t", Queue: 4})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for i := range 100000 {
			e.Transmit(frame(i, 1500))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("Transmit blocked")
	}
	s := e.Stats()
	if s.Out.QueueFull == 0 {
		t.Fatalf("stats %v, want queue-full drops", s)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	s = e.Stats()
	if s.Out.TxFrames != s.Out.RxFrames+s.Out.Dropped()+s.WriteErrors {
		t.Fatalf("stats %v: frames unaccounted for", s)
	}
	e.Transmit(frame(0, 60))
	if s2 := e.Stats(); s2.Out.Closed != s.Out.Closed+1 {
		t.Fatalf("Transmit after Close: stats %v, want one more closed drop", s2)
	}
}

func TestCloseStopsReader(t *testing.T) {
	dev, _ := devicePair(t)
	e, err := New(dev, Options{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	e.SetReceiver(newSink())
	done := make(chan error)
	go func() { done <- e.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}
