package mem

import (
	"testing"
	"time"
)

func BenchmarkPipeTransmit(b *testing.B) {
	for _, c := range []struct {
		name string
		imp  Impairments
	}{
		{"perfect", Impairments{}},
		{"loss", Impairments{Loss: 0.01}},
		{"delay", Impairments{Delay: time.Millisecond}},
		{"netem", Impairments{Loss: 0.01, Duplicate: 0.01, Corrupt: 0.01, Reorder: 0.01,
			Delay: time.Millisecond, Jitter: 100 * time.Microsecond, Rate: 1_000_000_000}},
	} {
		b.Run(c.name, func(b *testing.B) {
			clk := newManualClock()
			p := NewPipe("p", clk, 1, c.imp)
			defer p.Close()
			p.B().SetReceiver(releaser{})
			f := frame(mac(2), mac(1), 1, 1500)
			b.SetBytes(int64(len(f)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p.A().Transmit(f)
				if i++; i%64 == 0 {
					clk.Advance(10 * time.Millisecond)
				}
			}
		})
	}
}

func BenchmarkSwitchForward(b *testing.B) {
	clk := newManualClock()
	sw := NewSwitch("sw", clk)
	var hosts []*Pipe
	for i := range 8 {
		p := NewPipe("h", clk, uint64(i), Impairments{})
		defer p.Close()
		p.A().SetReceiver(releaser{})
		sw.Attach(p.B())
		hosts = append(hosts, p)
		p.A().Transmit(frame(broadcast, mac(i), 0, 60))
	}
	for _, c := range []struct {
		name string
		dst  [6]byte
	}{{"unicast", mac(1)}, {"broadcast", broadcast}} {
		b.Run(c.name, func(b *testing.B) {
			f := frame(c.dst, mac(0), 1, 1500)
			b.SetBytes(int64(len(f)))
			b.ReportAllocs()
			for b.Loop() {
				hosts[0].A().Transmit(f)
			}
		})
	}
}
