package mem

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/netlab/netlab/core/link"
)

func TestChannel(t *testing.T) {
	c := NewChannel("ch0", 2)
	ep := c.Endpoint()
	if ep.Name() != "ch0" {
		t.Errorf("got Name() = %q", ep.Name())
	}
	f := frame(mac(2), mac(1), 1, 60)
	ep.Transmit(f)
	f[14] = 0xff // Transmit copied it
	ep.Transmit(frame(mac(2), mac(1), 2, 60))
	ep.Transmit(frame(mac(2), mac(1), 3, 60)) // full: dropped
	ep.Transmit(make([]byte, link.MaxFrame+1))
	if st := c.Stats(); st.Transmitted != 2 || st.Dropped != 2 || st.Queued != 2 {
		t.Errorf("got %+v", st)
	}
	got, err := c.Read(context.Background())
	if err != nil || seqOf(got) != 1 {
		t.Fatalf("got Read() = %x, %v; want frame 1", got, err)
	}
	if got, ok := c.TryRead(); !ok || seqOf(got) != 2 {
		t.Fatalf("got TryRead() = %x, %v; want frame 2", got, ok)
	}
	if _, ok := c.TryRead(); ok {
		t.Fatal("TryRead on an empty channel returned a frame")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.Read(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}

	// Read waits for a frame transmitted later, from another goroutine.
	go func() {
		time.Sleep(5 * time.Millisecond)
		ep.Transmit(frame(mac(2), mac(1), 4, 60))
	}()
	if got, err := c.Read(context.Background()); err != nil || seqOf(got) != 4 {
		t.Fatalf("got Read() = %x, %v; want frame 4", got, err)
	}

	ep.Transmit(frame(mac(2), mac(1), 5, 60))
	ep.Transmit(frame(mac(2), mac(1), 6, 60))
	if n := c.Drain(); n != 2 {
		t.Errorf("got Drain() = %d, want 2", n)
	}

	c.Inject(frame(mac(1), mac(2), 7, 60)) // no receiver yet
	r := &recorder{}
	ep.SetReceiver(r)
	in := frame(mac(1), mac(2), 8, 60)
	c.Inject(in)
	if got := r.frames(); len(got) != 1 || !bytes.Equal(got[0].data, in) {
		t.Fatalf("the receiver got %v, want frame 8", got)
	}
	c.Inject(make([]byte, link.MaxFrame+1))
	ep.SetReceiver(nil)
	c.Inject(in)
	if st := c.Stats(); st.Injected != 1 || st.NoReceiver != 3 {
		t.Errorf("got %+v", st)
	}
	if c := NewChannel("d", 0); cap(c.q) != DefaultChannelSize {
		t.Errorf("size 0 gave a channel of %d", cap(c.q))
	}
}

// TestChannelThroughPipeAndSwitch uses a Channel as a host on a switch.
func TestChannelOnSwitch(t *testing.T) {
	clk := newManualClock()
	sw := NewSwitch("sw", clk)
	c1, c2 := NewChannel("c1", 8), NewChannel("c2", 8)
	sw.Attach(c1.Endpoint())
	sw.Attach(c2.Endpoint())
	c1.Inject(frame(broadcast, mac(1), 1, 60)) // the switch transmits it on c2
	got, ok := c2.TryRead()
	if !ok || seqOf(got) != 1 {
		t.Fatalf("c2 got %x, %v", got, ok)
	}
	if _, ok := c1.TryRead(); ok {
		t.Error("the switch sent a frame back out of its ingress port")
	}
}
