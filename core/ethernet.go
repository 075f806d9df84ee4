package core

import (
	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// input handles one frame that arrived on n (lwIP's ethernet_input).
func (n *Netif) input(frame []byte) {
	c := n.core
	n.rxFrames++
	n.rxBytes += uint64(len(frame))
	c.count(cntEthIn)
	switch {
	case !n.up:
		n.dropped(dropNetifDown)
		return
	case !n.linkUp:
		n.dropped(dropLinkDown)
		return
	}
	e := wire.Ethernet(frame)
	if e.Validate() != nil {
		n.dropped(dropMalformed)
		c.dropEvent(n, "malformed", frame)
		return
	}
	if n.loopback {
		c.ipInput(n, e.Payload(), false)
		return
	}
	dst := e.Dst()
	if dst != n.mac && !dst.IsBroadcast() && !dst.IsMulticast() {
		n.dropped(dropNotForUs)
		return
	}
	c.packetEvent(snapshot.EventRx, n, frame)
	switch e.EtherType() {
	case wire.EtherTypeIPv4:
		c.ipInput(n, e.Payload(), dst.IsBroadcast() || dst.IsMulticast())
	case wire.EtherTypeARP:
		c.arp.input(n, e.Payload())
	default:
		// IPv6, VLAN tags and everything else: counted and dropped.
		n.dropped(dropUnknownEtherType)
	}
}

// transmit sends a complete frame on n.
func (n *Netif) transmit(frame []byte) {
	c := n.core
	if !n.Usable() {
		n.dropped(dropNetifDown)
		return
	}
	n.txFrames++
	n.txBytes += uint64(len(frame))
	c.count(cntEthOut)
	c.packetEvent(snapshot.EventTx, n, frame)
	if n.loopback {
		if b := link.NewBuffer(frame); b != nil {
			var one [1]*link.Buffer
			one[0] = b
			n.rx.Receive(one[:])
		}
		return
	}
	if n.ep != nil {
		n.ep.Transmit(frame)
	}
}

// etherOutput fills in the Ethernet header of frame (its first 14 bytes
// are reserved for it) and transmits it on n.
func (n *Netif) etherOutput(dst wire.MAC, etherType uint16, frame []byte) {
	wire.EncodeEthernet(frame, dst, n.mac, etherType)
	n.transmit(frame)
}
