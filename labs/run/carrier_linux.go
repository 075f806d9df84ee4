//go:build linux

package run

import (
	"sync"
	"sync/atomic"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/tap"
	"github.com/netlab/netlab/internal/crash"
	"github.com/netlab/netlab/labs"
)

// carrier makes a TAP device's carrier follow the stack netif on the
// other side of its link: on while the netif exists and is up with its
// link up, off otherwise. The kernel then sees what a peer of a real NIC
// would: NO-CARRIER, operstate DOWN, when the stack's link goes down
// (set-interface link-up: false, from a lab or the TUI). The netif hook
// runs on the stack's tcpip goroutine and only records the state wanted;
// the carrier's own goroutine makes the ioctl (TUNSETCARRIER takes the
// kernel's RTNL lock, which the loop must not wait for).
type carrier struct {
	ep   *tap.Endpoint
	want atomic.Bool
	kick chan struct{} // capacity 1: a state is waiting to be applied
	stop chan struct{}
	done chan struct{}
	err  func(error)
}

func newCarrier(ep *tap.Endpoint, onErr func(error)) *carrier {
	c := &carrier{ep: ep, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), err: onErr}
	c.want.Store(true) // a TAP's carrier is on once its file is open
	go c.run()
	return c
}

// set asks for the carrier on or off. Any goroutine; never blocks.
func (c *carrier) set(up bool) {
	c.want.Store(up)
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// run applies the latest state wanted, until close.
func (c *carrier) run() {
	defer crash.Recover("carrier " + c.ep.Name())
	defer close(c.done)
	applied := true
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		if up := c.want.Load(); up != applied {
			if err := c.ep.SetCarrier(up); err != nil {
				c.err(err)
				continue
			}
			applied = up
		}
	}
}

// close stops the carrier's goroutine and waits for it.
func (c *carrier) close() {
	close(c.stop)
	<-c.done
}

// followCarriers gives each TAP driver that a stack's netif reaches (the
// far end of a tap link's pipe, each device of a tap-pair link) a carrier,
// and has each such stack's netif events drive it. Runs on Build's
// goroutine, before the stacks' netifs are added.
func (w *World) followCarriers() error {
	byNode := map[string]map[string]*carrier{}
	add := func(end labs.Endpoint, ep *tap.Endpoint) {
		if byNode[end.Node] == nil {
			byNode[end.Node] = map[string]*carrier{}
		}
		c := newCarrier(ep, func(err error) { w.log.Error("tap carrier", "link end", end.String(), "err", err) })
		byNode[end.Node][end.Interface] = c
		w.host.carriers = append(w.host.carriers, c)
	}
	for _, l := range w.Links {
		switch l.Spec.Type {
		case labs.LinkTAP:
			end := l.Spec.A
			if w.Node(end.Node).Kind != labs.KindStack {
				end = l.Spec.B
			}
			add(end, l.TAP.(*tap.Endpoint))
		case labs.LinkTAPPair:
			add(l.Spec.A, l.TAP.(*tap.Endpoint))
			add(l.Spec.B, l.PeerTAP.(*tap.Endpoint))
		}
	}
	for node, byIface := range byNode {
		if err := w.Node(node).Stack.Post(func(c *core.Core) {
			c.OnNetifEvent(func(_ *core.Core, n *core.Netif, ev core.NetifEvent) {
				car := byIface[n.Name()]
				if car == nil {
					return
				}
				switch ev {
				case core.NetifAdded, core.NetifUp, core.NetifDown, core.NetifLinkUp, core.NetifLinkDown:
					car.set(n.Up() && n.LinkUp())
				case core.NetifRemoving:
					car.set(false)
				}
			})
		}); err != nil {
			return err
		}
	}
	return nil
}

// closeCarriers stops every carrier's goroutine.
func closeCarriers(cs []*carrier) {
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer crash.Recover("carrier close " + c.ep.Name())
			defer wg.Done()
			c.close()
		}()
	}
	wg.Wait()
}
