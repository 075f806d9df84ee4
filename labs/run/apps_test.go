package run_test

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// udpSourceLab has a's udp-source send ten datagrams of 200 bytes, one
// every 100 ms, from port 5001 to a socket on b. Its expectations count
// them at 450 ms (five: those sent at 0 to 400 ms) and at 2 s (all ten,
// and no more).
const udpSourceLab = `
name: udp-source
clock: virtual
nodes:
  a:
    interfaces: {eth0: {address: 10.0.0.1/24}}
    apps:
      - udp-source: {to: 10.0.0.2:9, size: 200, interval: 100ms, count: 10, port: 5001}
  b:
    interfaces: {eth0: {address: 10.0.0.2/24}}
links:
  - {endpoints: [a:eth0, b:eth0], impair: {delay: 1ms}}
steps:
  - socket: {node: b, id: r, bind: 0.0.0.0:9}
  - at: 450ms
    expect: {node: b, counter: udp-in, equals: 5}
  - recv: {socket: r, count: 5, within: 0s}
  - expect: {socket: r, datagrams-received: 5, bytes-received: 1000}
  - at: 2s
    expect: {node: b, counter: udp-in, equals: 10}
  - recv: {socket: r, count: 5, within: 0s}
  - expect: {socket: r, datagrams-received: 10, bytes-received: 2000}
`

// TestUDPSource runs the udp-source app and checks what the receiver
// got: the lab's expectations count the datagrams and their bytes, and
// the frames b received say when each came, how large it was and from
// which port. The first waits for ARP: b's gratuitous ARP (sent when its
// interface comes up) reaches a after 1 ms and resolves b, so it arrives
// at 2 ms; the others 1 ms after they are sent, 100 ms apart.
func TestUDPSource(t *testing.T) {
	lab, err := labs.Load("udp-source.yaml", []byte(udpSourceLab))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	type arrival struct {
		at        time.Duration
		len, port int
	}
	var got []arrival
	w, err := run.Build(lab, run.Options{
		PacketEvents: true,
		OnEvent: func(e *snapshot.Event) {
			f := e.Frame
			// An IPv4 frame (EtherType at 12) carrying UDP (protocol at
			// 14+9) to port 9: its UDP header follows a 20-byte IP header.
			if e.Node != "b" || e.Kind != snapshot.EventRx || len(f) < 42 ||
				binary.BigEndian.Uint16(f[12:]) != 0x0800 || f[23] != 17 || binary.BigEndian.Uint16(f[36:]) != 9 {
				return
			}
			mu.Lock()
			got = append(got, arrival{e.Time, e.Len, int(binary.BigEndian.Uint16(f[34:]))})
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := w.Run(ctx)
	w.Close()
	for _, s := range rep.Steps {
		if s.Status != run.Passed {
			t.Errorf("step %d %s: %s %s", s.Index, s.Name, s.Status, s.Detail)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 10 {
		t.Fatalf("b received %d datagrams, want 10: %v", len(got), got)
	}
	for i, a := range got {
		want := arrival{time.Duration(i)*100*time.Millisecond + time.Millisecond, 14 + 20 + 8 + 200, 5001}
		if i == 0 {
			want.at = 2 * time.Millisecond
		}
		if a != want {
			t.Errorf("datagram %d: got %v after %v from port %d, want %d bytes at %v from port %d",
				i+1, a.len, a.at, a.port, want.len, want.at, want.port)
		}
	}
}
