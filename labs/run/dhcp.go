package run

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/netifapi"
)

// DHCPClientConfig converts a lab's DHCP client options to the client's
// configuration; its random source follows the lab's seed.
func DHCPClientConfig(c labs.DHCPClient, seed uint64) dhcp.ClientConfig {
	cfg := dhcp.ClientConfig{Hostname: c.Hostname, Requested: c.RequestedAddress, Seed: seed}
	if c.ClientID != "" {
		cfg.ClientID = []byte(c.ClientID)
	}
	return cfg
}

// DHCPServerConfig converts a lab's DHCP server to the server's
// configuration.
func DHCPServerConfig(s labs.DHCPServer) dhcp.ServerConfig {
	cfg := dhcp.ServerConfig{
		PoolStart: s.PoolStart, PoolEnd: s.PoolEnd, Router: s.Router,
		DNS:       append([]netip.Addr(nil), s.DNS...),
		LeaseTime: s.Lease.Std(), T1: s.T1.Std(), T2: s.T2.Std(),
	}
	for _, r := range s.Reservations {
		cfg.Reservations = append(cfg.Reservations, dhcp.Reservation{MAC: macOf(r.MAC), Address: r.Address})
	}
	return cfg
}

// configureDHCP starts every DHCP server of the lab, then every client,
// once every stack has its interfaces and routes: a client's first
// DISCOVER finds its server ready.
func (w *World) configureDHCP(ctx context.Context) error {
	for _, spec := range w.Lab.Nodes {
		node := w.Node(spec.Name)
		for _, srv := range spec.DHCPServers {
			if err := netifapi.DHCPServerStart(ctx, node.Stack, srv.Interface, DHCPServerConfig(srv)); err != nil {
				return fmt.Errorf("%s: %w", spec.Name, err)
			}
		}
	}
	for _, spec := range w.Lab.Nodes {
		node := w.Node(spec.Name)
		for _, ifc := range spec.Interfaces {
			if ifc.DHCP == nil {
				continue
			}
			if err := netifapi.DHCPStart(ctx, node.Stack, ifc.Name, DHCPClientConfig(*ifc.DHCP, w.Lab.Seed)); err != nil {
				return fmt.Errorf("%s: %w", spec.Name, err)
			}
		}
	}
	return nil
}

// dhcp runs a step on an interface's DHCP client.
func (r *runner) dhcp(ctx context.Context, a *labs.DHCP) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", err
	}
	s := n.Stack
	switch a.Op {
	case labs.DHCPStart:
		err = netifapi.DHCPStart(ctx, s, a.Interface, DHCPClientConfig(a.Client, r.w.Lab.Seed))
	case labs.DHCPStop:
		err = netifapi.DHCPStop(ctx, s, a.Interface)
	case labs.DHCPRelease:
		err = netifapi.DHCPRelease(ctx, s, a.Interface)
	case labs.DHCPRenew:
		err = netifapi.DHCPRenew(ctx, s, a.Interface)
	case labs.DHCPInform:
		err = netifapi.DHCPInform(ctx, s, a.Interface, DHCPClientConfig(a.Client, r.w.Lab.Seed))
	default:
		return "", fmt.Errorf("unknown DHCP step %q", a.Op)
	}
	if err != nil {
		return "", err
	}
	c, err := netifapi.DHCPClient(ctx, s, a.Interface)
	if err != nil {
		return "", nil
	}
	return DHCPBrief(c), nil
}

func (r *runner) dhcpServerStart(ctx context.Context, a *labs.DHCPServerStart) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", err
	}
	if err := netifapi.DHCPServerStart(ctx, n.Stack, a.Server.Interface, DHCPServerConfig(a.Server)); err != nil {
		return "", err
	}
	return "pool " + a.Server.Pool(), nil
}

func (r *runner) dhcpServerStop(ctx context.Context, a *labs.DHCPServerStop) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", err
	}
	return "", netifapi.DHCPServerStop(ctx, n.Stack, a.Interface)
}

// DHCPState names a client's state as labs and the TUI write it
// ("BOUND").
func DHCPState(c snapshot.DHCPClient) string { return strings.ToUpper(c.State) }

// DHCPBrief says what a client holds: "BOUND 10.0.0.100/24 from
// 10.0.0.1", "SELECTING".
func DHCPBrief(c snapshot.DHCPClient) string {
	s := DHCPState(c)
	if c.Lease.Address.IsValid() {
		s += " " + c.Lease.Address.String()
		if c.Server.IsValid() {
			s += " from " + c.Server.String()
		}
	}
	return s
}

// checkDHCP checks an expectation of an interface's DHCP client. A
// client never started is OFF, with no lease.
func (r *runner) checkDHCP(ctx context.Context, a *labs.Expect) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errBadExpect, err)
	}
	what := a.Node + " " + a.Interface + " dhcp"
	c, err := netifapi.DHCPClient(ctx, n.Stack, a.Interface)
	switch {
	case errors.Is(err, dhcp.ErrNotRunning):
		c = snapshot.DHCPClient{State: "off"}
	case err != nil:
		return "", &Mismatch{What: what, Want: dhcpWant(a), Got: err.Error()}
	}
	var want, got, seen []string
	check := func(w, g string) {
		if w != g {
			want, got = append(want, w), append(got, g)
		}
		seen = append(seen, g)
	}
	addr := func(name string, w *netip.Addr, g netip.Addr) {
		if w == nil {
			return
		}
		f := func(a netip.Addr) string {
			if !a.IsValid() {
				return "no " + name
			}
			return name + " " + a.String()
		}
		check(f(*w), f(g))
	}
	count := func(name string, w *uint64, g uint64) {
		if w != nil {
			check(fmt.Sprintf("%s %d", name, *w), fmt.Sprintf("%s %d", name, g))
		}
	}
	if a.DHCP != "" {
		check(a.DHCP, DHCPState(c))
	}
	addr("lease", a.LeaseAddress, c.Lease.Address.Addr())
	addr("server", a.LeaseServer, c.Server)
	addr("router", a.LeaseRouter, c.Router)
	count("renewed", a.Renewed, c.Renewals)
	count("rebound", a.Rebound, c.Rebinds)
	count("expired", a.Expired, c.Expiries)
	if len(want) > 0 {
		return "", &Mismatch{What: what, Want: strings.Join(want, ", "), Got: strings.Join(got, ", ")}
	}
	return strings.Join(seen, ", "), nil
}

// dhcpWant formats everything a wants of a DHCP client.
func dhcpWant(a *labs.Expect) string {
	_, s, _ := strings.Cut(a.Describe(), " dhcp ")
	if i := strings.LastIndex(s, " within "); i >= 0 && a.Within != nil {
		s = s[:i]
	}
	return s
}
