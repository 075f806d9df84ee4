package dhcp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/iana"
	"github.com/netlab/netlab/core/wire"
)

// Ports of DHCP (RFC 2131 section 4.1).
const (
	ServerPort = 67
	ClientPort = 68
)

// Offsets in a BOOTP message (RFC 2131 section 2, figure 1).
const (
	offSname  = 44
	offFile   = 108
	offCookie = 236
	// minMessage is the fixed header and the magic cookie: a message
	// shorter than this is malformed.
	minMessage = 240
	// maxMessage is the largest message accepted: what fits in an
	// unfragmented 1500-byte datagram.
	maxMessage = 1500 - wire.IPv4MinHeaderLen - wire.UDPHeaderLen
)

// ErrMalformed is wrapped by the errors of messages that cannot be
// decoded or break RFC 2131's rules for their type.
var ErrMalformed = errors.New("dhcp: malformed message")

// ErrMismatch is wrapped by the errors of well-formed messages that are
// not for this client or server now (another xid, chaddr, server, type).
var ErrMismatch = errors.New("dhcp: message does not match")

// message is a decoded DHCP message as netlab uses it: addresses as
// values, options already checked.
type message struct {
	op        dhcpv4.OpcodeType
	typ       dhcpv4.MessageType
	xid       uint32
	chaddr    wire.MAC
	broadcast bool
	ciaddr    netip.Addr
	yiaddr    netip.Addr
	giaddr    netip.Addr
	server    netip.Addr // option 54, zero when absent
	requested netip.Addr // option 50, zero when absent
	maskBits  int        // option 1, -1 when absent
	routers   []netip.Addr
	dns       []netip.Addr
	lease     time.Duration // option 51, 0 when absent
	infinite  bool          // lease 0xffffffff
	t1, t2    time.Duration // options 58, 59, 0 when absent
	hostname  string
	clientID  []byte
	prl       []byte
	text      string // option 56
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func mismatch(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMismatch}, args...)...)
}

// decode decodes and checks a DHCP message: the BOOTP header, the magic
// cookie, options (with RFC 2131 section 4.1's option overload into the
// file and sname fields, RFC 2132 section 9.3) and the values of the
// options netlab uses. It never panics on any input.
func decode(b []byte) (*message, error) {
	if len(b) < minMessage {
		return nil, malformed("%d bytes, want at least %d", len(b), minMessage)
	}
	if len(b) > maxMessage {
		return nil, malformed("%d bytes, want at most %d", len(b), maxMessage)
	}
	p, err := dhcpv4.FromBytes(b)
	if err != nil {
		return nil, malformed("%v", err)
	}
	if p.HWType != iana.HWTypeEthernet || len(p.ClientHWAddr) != 6 {
		return nil, malformed("hardware type %d length %d, want Ethernet", p.HWType, len(p.ClientHWAddr))
	}
	m := &message{op: p.OpCode, maskBits: -1}
	m.xid = uint32(p.TransactionID[0])<<24 | uint32(p.TransactionID[1])<<16 | uint32(p.TransactionID[2])<<8 | uint32(p.TransactionID[3])
	copy(m.chaddr[:], p.ClientHWAddr)
	m.broadcast = p.IsBroadcast()
	m.ciaddr = ip4(p.ClientIPAddr)
	m.yiaddr = ip4(p.YourIPAddr)
	m.giaddr = ip4(p.GatewayIPAddr)
	opts := p.Options
	if ov, ok := opts[dhcpv4.OptionOptionOverload.Code()]; ok {
		// RFC 2132 section 9.3: 1 file, 2 sname, 3 both hold options,
		// read after the options field: file first, then sname.
		if len(ov) != 1 || ov[0] < 1 || ov[0] > 3 {
			return nil, malformed("option overload %v", ov)
		}
		if ov[0]&1 != 0 {
			if err := opts.FromBytes(b[offFile:offCookie]); err != nil {
				return nil, malformed("options in file: %v", err)
			}
		}
		if ov[0]&2 != 0 {
			if err := opts.FromBytes(b[offSname:offFile]); err != nil {
				return nil, malformed("options in sname: %v", err)
			}
		}
	}
	t := opts[dhcpv4.OptionDHCPMessageType.Code()]
	if len(t) != 1 || t[0] < 1 || t[0] > 8 {
		return nil, malformed("message type %v", t)
	}
	m.typ = dhcpv4.MessageType(t[0])
	if m.server, err = addrOpt(opts, dhcpv4.OptionServerIdentifier); err != nil {
		return nil, err
	}
	if m.requested, err = addrOpt(opts, dhcpv4.OptionRequestedIPAddress); err != nil {
		return nil, err
	}
	if v, ok := opts[dhcpv4.OptionSubnetMask.Code()]; ok {
		if len(v) != 4 {
			return nil, malformed("subnet mask of %d bytes", len(v))
		}
		ones, bits := net.IPMask(v).Size()
		if bits != 32 || ones == 0 {
			return nil, malformed("subnet mask %v", net.IP(v))
		}
		m.maskBits = ones
	}
	if m.routers, err = addrsOpt(opts, dhcpv4.OptionRouter); err != nil {
		return nil, err
	}
	if m.dns, err = addrsOpt(opts, dhcpv4.OptionDomainNameServer); err != nil {
		return nil, err
	}
	var lease uint32
	if lease, err = secondsOpt(opts, dhcpv4.OptionIPAddressLeaseTime); err != nil {
		return nil, err
	}
	m.infinite = lease == 0xffffffff
	m.lease = time.Duration(lease) * time.Second
	var t1, t2 uint32
	if t1, err = secondsOpt(opts, dhcpv4.OptionRenewTimeValue); err != nil {
		return nil, err
	}
	if t2, err = secondsOpt(opts, dhcpv4.OptionRebindingTimeValue); err != nil {
		return nil, err
	}
	m.t1, m.t2 = time.Duration(t1)*time.Second, time.Duration(t2)*time.Second
	m.hostname = string(opts[dhcpv4.OptionHostName.Code()])
	m.clientID = opts[dhcpv4.OptionClientIdentifier.Code()]
	m.prl = opts[dhcpv4.OptionParameterRequestList.Code()]
	m.text = string(opts[dhcpv4.OptionMessage.Code()])
	return m, nil
}

func ip4(ip net.IP) netip.Addr {
	a, ok := netip.AddrFromSlice(ip.To4())
	if !ok {
		return netip.IPv4Unspecified()
	}
	return a
}

func addrOpt(o dhcpv4.Options, code dhcpv4.OptionCode) (netip.Addr, error) {
	v, ok := o[code.Code()]
	if !ok {
		return netip.Addr{}, nil
	}
	if len(v) != 4 {
		return netip.Addr{}, malformed("%v of %d bytes", code, len(v))
	}
	return netip.AddrFrom4([4]byte(v)), nil
}

func addrsOpt(o dhcpv4.Options, code dhcpv4.OptionCode) ([]netip.Addr, error) {
	v, ok := o[code.Code()]
	if !ok {
		return nil, nil
	}
	if len(v) == 0 || len(v)%4 != 0 {
		return nil, malformed("%v of %d bytes", code, len(v))
	}
	out := make([]netip.Addr, 0, len(v)/4)
	for i := 0; i < len(v); i += 4 {
		out = append(out, netip.AddrFrom4([4]byte(v[i:i+4])))
	}
	return out, nil
}

func secondsOpt(o dhcpv4.Options, code dhcpv4.OptionCode) (uint32, error) {
	v, ok := o[code.Code()]
	if !ok {
		return 0, nil
	}
	if len(v) != 4 {
		return 0, malformed("%v of %d bytes", code, len(v))
	}
	return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]), nil
}

// unicastHost reports whether a is an address a host may hold: IPv4,
// not unspecified, broadcast, multicast, loopback or class E.
func unicastHost(a netip.Addr) bool {
	if !a.Is4() || a.IsUnspecified() || a.IsMulticast() || a.IsLoopback() {
		return false
	}
	return a.As4()[0] < 240
}

// classfulBits is the prefix length of a's class, for leases without a
// subnet mask option (RFC 2131 section 4.3.1 lets the client choose).
func classfulBits(a netip.Addr) int {
	switch b := a.As4()[0]; {
	case b < 128:
		return 8
	case b < 192:
		return 16
	}
	return 24
}

// encode fills a DHCP message's fixed fields and returns it ready for
// options.
func newPacket(op dhcpv4.OpcodeType, typ dhcpv4.MessageType, xid uint32, chaddr wire.MAC) *dhcpv4.DHCPv4 {
	p := &dhcpv4.DHCPv4{
		OpCode:        op,
		HWType:        iana.HWTypeEthernet,
		TransactionID: dhcpv4.TransactionID{byte(xid >> 24), byte(xid >> 16), byte(xid >> 8), byte(xid)},
		ClientIPAddr:  net.IPv4zero,
		YourIPAddr:    net.IPv4zero,
		ServerIPAddr:  net.IPv4zero,
		GatewayIPAddr: net.IPv4zero,
		ClientHWAddr:  net.HardwareAddr(chaddr[:]),
		Options:       make(dhcpv4.Options),
	}
	p.UpdateOption(dhcpv4.OptMessageType(typ))
	return p
}

func netIP(a netip.Addr) net.IP {
	if !a.IsValid() {
		return net.IPv4zero
	}
	b := a.As4()
	return net.IP(b[:])
}

func netIPs(as []netip.Addr) []net.IP {
	out := make([]net.IP, len(as))
	for i, a := range as {
		out[i] = netIP(a)
	}
	return out
}

func seconds(d time.Duration) []byte {
	s := uint32(d / time.Second)
	return []byte{byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s)}
}
