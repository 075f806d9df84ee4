package dhcp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/netifapi"
)

// BenchmarkLease1000 measures the wall time for 1,000 clients on one
// switch to be leased by one server, on the virtual clock: from the first
// DHCPStart until every client is bound.
func BenchmarkLease1000(b *testing.B) {
	const clients = 1000
	for range b.N {
		b.StopTimer()
		w := newSwitchWorld(b)
		stacks := make([]*core.Stack, clients)
		for i := range stacks {
			stacks[i] = w.stack(fmt.Sprintf("c%d", i))
		}
		w.ready()
		w.plug(w.srv, mac(0, 0), "10.0.0.1/16")
		cfg := stdServer()
		cfg.PoolStart, cfg.PoolEnd = addr("10.0.4.0"), addr("10.0.7.255")
		w.must("server", netifapi.DHCPServerStart(w.cctx(), w.srv, "eth0", cfg))
		for i, s := range stacks {
			w.plug(s, mac(byte(i>>8)+1, byte(i)), "")
		}
		v0 := w.clk.Now()
		start := time.Now()
		b.StartTimer()
		for _, s := range stacks {
			w.must("start", netifapi.DHCPStart(w.cctx(), s, "eth0", dhcp.ClientConfig{}))
		}
		bound := 0
		for bound < clients {
			w.sleepUntil(w.clk.Now() + time.Second)
			bound = 0
			for _, s := range stacks {
				if c := w.client(s, "eth0"); c.State == "bound" {
					bound++
				}
			}
			if w.clk.Now()-v0 > 10*time.Minute {
				b.Fatalf("%d of %d bound after 10 minutes", bound, clients)
			}
		}
		b.StopTimer()
		b.ReportMetric(time.Since(start).Seconds(), "wall-s/1000-leases")
		b.ReportMetric((w.clk.Now() - v0).Seconds(), "virtual-s")
		if got := len(w.server(w.srv, "eth0").Leases); got != clients {
			b.Fatalf("server has %d leases, want %d", got, clients)
		}
	}
}
