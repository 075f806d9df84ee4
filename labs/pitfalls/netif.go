package pitfalls

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"
)

func init() {
	register(&Pitfall{
		Number: 1, Name: "netif-remove",
		Title:     "an application goroutine removes a netif while the tcpip goroutine uses it",
		Invariant: "no frame is handed to a netif after it was removed",
		Unsafe:    "the core's unsafe door (core/unsafecore)",
		Safe:      "netifapi.Remove",
		Explanation: "The tcpip goroutine checks that eth0 is still there and then hands it a queued frame. " +
			"netif_remove called from another goroutine can land between the check and the use: the frame " +
			"is processed by a removed interface (in C, freed memory). netifapi.Remove runs the removal on " +
			"the tcpip goroutine, between two turns, so nothing can come between a check and its use.",
		build:    buildNetifRemove,
		raceDemo: true,
	})
	register(&Pitfall{
		Number: 2, Name: "netif-add",
		Title:     "two goroutines add a netif at the same time",
		Invariant: "every added netif is in the list, each with an index of its own",
		Unsafe:    "the core's unsafe door (core/unsafecore)",
		Safe:      "netifapi.Add",
		Explanation: "netif_add reads the next free index and the netif list, then writes both back. Two " +
			"goroutines adding at once both read the same values: the two netifs get the same index, or one " +
			"list write overwrites the other and an interface goes missing. netifapi.Add makes each addition " +
			"one message to the tcpip goroutine, which runs them one after the other.",
		build:    buildNetifAdd,
		raceDemo: true,
	})
	register(&Pitfall{
		Number: 3, Name: "dhcp-stop",
		Title:     "an application goroutine stops DHCP while its timers run on the tcpip goroutine",
		Invariant: "no DHCP timer runs on a stopped client",
		Unsafe:    "the core's unsafe door (core/unsafecore)",
		Safe:      "netifapi.DHCPStop",
		Explanation: "The DHCP client's timers fire on the tcpip goroutine: the timer has been taken off the " +
			"queue and its handler is about to run the client. dhcp_stop from an application goroutine can " +
			"stop the client in between; the handler then runs on a stopped client (in lwIP, on freed or " +
			"cleared state). netifapi.DHCPStop stops the client on the tcpip goroutine, where its timers are " +
			"cancelled in the same step, so a stopped client's timer never fires.",
		build:    buildDHCPStop,
		raceDemo: true,
	})
	register(&Pitfall{
		Number: 7, Name: "core-direct",
		Title:     "a core function (a UDP send) called directly from a goroutine other than the tcpip goroutine",
		Invariant: "every frame that leaves is intact: the echo reply carries the ping's data, the datagram the app's",
		Unsafe:    "the core's unsafe door (core/unsafecore)",
		Safe:      "sockets (socket, sendto)",
		Explanation: "The core builds every outgoing packet in one scratch buffer. The tcpip goroutine has put " +
			"an echo reply there and is about to put the IP header in front of it; a UDP send called directly " +
			"from an application goroutine builds its datagram in the same buffer meanwhile, and a corrupt " +
			"frame leaves. Calls through the sockets API run on the tcpip goroutine, one at a time.",
		build:    buildCoreDirect,
		raceDemo: true,
	})
}

// buildNetifRemove: a frame waits on eth0; the app removes eth0.
func buildNetifRemove(safe bool) (*Instance, error) {
	w, err := newWorld()
	if err != nil {
		return nil, err
	}
	w.wire.deliver(echoRequestFrame())
	c, eth0 := w.door.Core(), w.netif("eth0")
	app := Actor{Name: "app", Run: func(x *Ctx) {
		if safe {
			err := netifapi.Remove(context.Background(), w.stack, "eth0")
			x.Note("netifapi.Remove(eth0) = %v", errText(err))
			return
		}
		err := c.RemoveNetif(eth0)
		x.Note("RemoveNetif(eth0) = %v", errText(err))
	}}
	observe := func(_ int, p core.Point, arg any) string {
		if p == core.PointNetifInput && arg == eth0 && w.door.Removed(eth0) {
			return "eth0 was handed a frame after it was removed"
		}
		return ""
	}
	return w.instance([]Actor{app, w.tcpip()}, observe, nil), nil
}

// buildNetifAdd: two apps add eth1 and eth2.
func buildNetifAdd(safe bool) (*Instance, error) {
	w, err := newWorld()
	if err != nil {
		return nil, err
	}
	c := w.door.Core()
	add := func(name string) Actor {
		return Actor{Name: "app " + name, Run: func(x *Ctx) {
			if safe {
				i, err := netifapi.Add(context.Background(), w.stack, netifapi.Config{Name: name})
				x.Note("netifapi.Add(%s) = index %d, %v", name, i, errText(err))
				return
			}
			n, err := c.AddNetif(core.NetifConfig{Name: name})
			if err != nil {
				x.Note("AddNetif(%s) = %v", name, err)
				return
			}
			x.Note("AddNetif(%s) = index %d", name, n.Index())
		}}
	}
	check := func() string {
		seen := map[int]string{}
		found := map[string]bool{}
		for _, n := range w.door.Netifs() {
			if other, dup := seen[n.Index()]; dup {
				return fmt.Sprintf("%s and %s both have index %d", other, n.Name(), n.Index())
			}
			seen[n.Index()] = n.Name()
			found[n.Name()] = true
		}
		for _, name := range []string{"eth1", "eth2"} {
			if !found[name] {
				return name + " was added but is not in the netif list"
			}
		}
		return ""
	}
	return w.instance([]Actor{add("eth1"), add("eth2"), w.tcpip()}, nil, check), nil
}

// buildDHCPStop: eth0's DHCP client is selecting, its retransmission
// timer due; the app stops the client.
func buildDHCPStop(safe bool) (*Instance, error) {
	w, err := newWorld()
	if err != nil {
		return nil, err
	}
	err = w.setup(func(ctx context.Context) error {
		return netifapi.DHCPStart(ctx, w.stack, "eth0", dhcp.ClientConfig{})
	})
	if err != nil {
		w.close()
		return nil, err
	}
	w.wire.sent()
	c, eth0 := w.door.Core(), w.netif("eth0")
	app := Actor{Name: "app", Run: func(x *Ctx) {
		if safe {
			err := netifapi.DHCPStop(context.Background(), w.stack, "eth0")
			x.Note("netifapi.DHCPStop(eth0) = %v", errText(err))
			return
		}
		dhcp.StopClient(c, eth0)
		x.Note("dhcp.StopClient(eth0)")
	}}
	observe := func(_ int, p core.Point, arg any) string {
		if p == dhcp.PointClientTimer && arg == eth0 && dhcp.ClientOf(eth0).State() == dhcp.Off {
			return "a DHCP timer ran on eth0's stopped client"
		}
		return ""
	}
	check := func() string {
		if st := dhcp.ClientOf(eth0).State(); st != dhcp.Off {
			return fmt.Sprintf("eth0's client is %v after it was stopped", st)
		}
		return ""
	}
	return w.instance([]Actor{app, w.tcpip()}, observe, check), nil
}

// appPayload is what the app sends in pitfall 7.
var appPayload = []byte("datagram from the app")

// buildCoreDirect: the peer's echo request waits on eth0; the app sends a
// UDP datagram to the peer.
func buildCoreDirect(safe bool) (*Instance, error) {
	w, err := newWorld()
	if err != nil {
		return nil, err
	}
	w.wire.deliver(arpRequestFrame()) // a learns the peer's MAC
	if err := w.setup(func(context.Context) error { return nil }); err != nil {
		w.close()
		return nil, err
	}
	if safe {
		w.withSockets(false, false)
	}
	w.wire.sent()
	w.wire.deliver(echoRequestFrame())
	c, eth0 := w.door.Core(), w.netif("eth0")
	to := netip.AddrPortFrom(addrP, 9)
	app := Actor{Name: "app", Run: func(x *Ctx) {
		if safe {
			ctx := context.Background()
			fd, err := w.api.Socket(ctx, sockets.Datagram, "app")
			x.Note("socket() = %v, %v", fd, errText(err))
			_, err = w.api.SendTo(ctx, fd, appPayload, to)
			x.Note("sendto(%v) = %v", to, errText(err))
			return
		}
		err := c.UDPSendOn(eth0, netip.AddrPortFrom(addrA.Addr(), 5000), to, appPayload)
		x.Note("UDPSendOn(eth0, %v) = %v", to, errText(err))
	}}
	check := func() string { return checkFrames(w.wire.sent()) }
	return w.instance([]Actor{app, w.tcpip()}, nil, check), nil
}

// checkFrames checks that the frames a sent are the echo reply and the
// app's datagram, intact.
func checkFrames(frames [][]byte) string {
	want := make([]byte, wire.ICMPHeaderLen+len(pingPayload))
	wire.EncodeICMPEcho(want, wire.ICMPEchoReply, 7, 1, pingPayload)
	const ipOff, tOff = wire.EthernetHeaderLen, wire.EthernetHeaderLen + wire.IPv4MinHeaderLen
	var reply, dgram bool
	for i, f := range frames {
		e := wire.Ethernet(f)
		if len(f) < tOff || e.EtherType() != wire.EtherTypeIPv4 {
			continue
		}
		ip := wire.IPv4(f[ipOff:])
		if err := ip.Validate(); err != nil {
			return fmt.Sprintf("frame %d: bad IPv4 header: %v", i+1, err)
		}
		body := ip.Payload()
		switch ip.Protocol() {
		case wire.ProtoICMP:
			if !bytes.Equal(body, want) {
				return fmt.Sprintf("frame %d: the echo reply carries %q, not the ping's data", i+1, printable(body))
			}
			reply = true
		case wire.ProtoUDP:
			if len(body) < wire.UDPHeaderLen || !bytes.Equal(body[wire.UDPHeaderLen:], appPayload) {
				return fmt.Sprintf("frame %d: the app's datagram carries %q", i+1, printable(body))
			}
			dgram = true
		}
	}
	switch {
	case !reply:
		return "no echo reply left"
	case !dgram:
		return "the app's datagram did not leave"
	}
	return ""
}

// printable shows b's letters and dots for the rest.
func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= ' ' && c <= '~' {
			out[i] = c
		} else {
			out[i] = '.'
		}
	}
	return string(out)
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
