package mem

import (
	"context"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
)

// actor runs fn as a non-daemon task of c and returns a channel closed
// when it is done.
func actor(c clock.Clock, name string, fn func(ctx context.Context)) <-chan struct{} {
	done := make(chan struct{})
	t := c.NewTask(name, false)
	t.Wake()
	go func() {
		defer close(done)
		defer t.Exit()
		t.Sleep("start")
		fn(clock.WithTask(context.Background(), t))
	}()
	return done
}

// TestPipeOnVirtualClock checks delay and rate on the real Virtual clock:
// frames arrive (and the clock says they arrive) exactly when they should.
func TestPipeOnVirtualClock(t *testing.T) {
	c := clock.NewVirtual(clock.VirtualOptions{})
	defer c.Stop()
	p := NewPipe("p", c, 1, Impairments{Delay: 5 * time.Millisecond, Rate: 8_000_000})
	defer p.Close()
	var mu sync.Mutex
	var log []string
	p.B().SetReceiver(receiverFunc(func(batch []*link.Buffer) {
		mu.Lock()
		defer mu.Unlock()
		for _, b := range batch {
			log = append(log, fmt.Sprintf("%d@%v/%v", seqOf(b.Data), time.Duration(b.At), c.Now()))
			b.Release()
		}
	}))
	select {
	case <-actor(c, "sender", func(ctx context.Context) {
		for i := range 3 {
			p.A().Transmit(frame(mac(2), mac(1), uint32(i), 1000))
		}
		clock.Sleep(ctx, c, time.Second)
	}):
	case <-time.After(30 * time.Second):
		t.Fatal("the actor did not finish")
	}
	want := "0@6ms/6ms 1@7ms/7ms 2@8ms/8ms"
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(log, " "); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// virtualRun runs three hosts on a switch over impaired pipes under a
// Virtual clock and returns the log of every arrival.
func virtualRun(t *testing.T) string {
	// Paused until every actor exists: the test goroutine is not an actor,
	// so a running clock could move on between two actors' starts.
	c := clock.NewVirtual(clock.VirtualOptions{Paused: true})
	defer c.Stop()
	sw := NewSwitch("sw", c)
	imp := Impairments{Loss: 0.05, Duplicate: 0.05, Reorder: 0.1, Corrupt: 0.05,
		Delay: 2 * time.Millisecond, Jitter: time.Millisecond, Rate: 100_000_000}
	var mu sync.Mutex
	var log []string
	var pipes []*Pipe
	for h := range 3 {
		p := NewPipe(fmt.Sprint("h", h), c, uint64(100+h), imp)
		defer p.Close()
		p.A().SetReceiver(receiverFunc(func(batch []*link.Buffer) {
			mu.Lock()
			defer mu.Unlock()
			for _, b := range batch {
				log = append(log, fmt.Sprintf("%v h%d %d %08x", c.Now(), h, seqOf(b.Data), crc32.ChecksumIEEE(b.Data)))
				b.Release()
			}
		}))
		sw.Attach(p.B())
		pipes = append(pipes, p)
	}
	var dones []<-chan struct{}
	for h := range 3 {
		dones = append(dones, actor(c, fmt.Sprint("h", h), func(ctx context.Context) {
			for i := range 200 {
				dst := mac((h + 1 + i%2) % 3)
				if i%17 == 0 {
					dst = broadcast
				}
				pipes[h].A().Transmit(frame(dst, mac(h), uint32(h*1000+i), 60+i))
				clock.Sleep(ctx, c, time.Duration(50+h*10)*time.Microsecond)
			}
			clock.Sleep(ctx, c, time.Second)
		}))
	}
	c.Resume()
	for _, d := range dones {
		select {
		case <-d:
		case <-time.After(60 * time.Second):
			t.Fatal("actors did not finish")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(log) < 300 {
		t.Fatalf("only %d arrivals", len(log))
	}
	return strings.Join(log, "\n")
}

// TestVirtualRunIsReproducible runs the same impaired lab several times,
// also under GOMAXPROCS 1: the arrival logs must be identical byte for
// byte.
func TestVirtualRunIsReproducible(t *testing.T) {
	first := virtualRun(t)
	if got := virtualRun(t); got != first {
		t.Fatal("a second run differs from the first")
	}
	prev := runtime.GOMAXPROCS(1)
	got := virtualRun(t)
	runtime.GOMAXPROCS(prev)
	if got != first {
		t.Fatal("the GOMAXPROCS 1 run differs")
	}
}
