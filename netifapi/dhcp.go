package netifapi

import (
	"context"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/dhcp"
)

// DHCPStart starts (or restarts) the DHCP client of the netif named name
// (netifapi_dhcp_start). The netif must be up with an MTU of at least 576.
func DHCPStart(ctx context.Context, s *core.Stack, name string, cfg dhcp.ClientConfig) error {
	return wrap("dhcp start on "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		return dhcp.StartClient(c, n, cfg)
	}))
}

// DHCPStop stops the DHCP client of the netif named name
// (netifapi_dhcp_stop): its timers are cancelled on the tcpip goroutine
// in the same step, the address and default route it set are removed.
// Stopping a stopped client succeeds.
func DHCPStop(ctx context.Context, s *core.Stack, name string) error {
	return wrap("dhcp stop on "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		dhcp.StopClient(c, n)
		return nil
	}))
}

// DHCPRelease sends RELEASE for the lease of the netif named name, then
// stops its client and clears the address (netifapi_dhcp_release_and_stop).
func DHCPRelease(ctx context.Context, s *core.Stack, name string) error {
	return wrap("dhcp release on "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		dhcp.ReleaseClient(c, n)
		return nil
	}))
}

// DHCPRenew renews the lease of the netif named name now
// (netifapi_dhcp_renew); dhcp.ErrNotBound if it holds none.
func DHCPRenew(ctx context.Context, s *core.Stack, name string) error {
	return wrap("dhcp renew on "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		return dhcp.RenewClient(c, n)
	}))
}

// DHCPInform asks the network's DHCP servers for options for the address
// set by hand on the netif named name (netifapi_dhcp_inform).
func DHCPInform(ctx context.Context, s *core.Stack, name string, cfg dhcp.ClientConfig) error {
	return wrap("dhcp inform on "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		return dhcp.InformClient(c, n, cfg)
	}))
}

// DHCPClient returns the state and lease of the DHCP client of the netif
// named name; dhcp.ErrNotRunning if it never started.
func DHCPClient(ctx context.Context, s *core.Stack, name string) (snapshot.DHCPClient, error) {
	var out snapshot.DHCPClient
	err := onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		var ok bool
		if out, ok = dhcp.ClientSnapshot(n); !ok {
			return dhcp.ErrNotRunning
		}
		return nil
	})
	if err != nil {
		return snapshot.DHCPClient{}, wrap("dhcp client of "+name, err)
	}
	return out, nil
}

// DHCPServerStart starts a DHCP server on the netif named name, which
// must have an address; a running one is replaced with an empty table.
func DHCPServerStart(ctx context.Context, s *core.Stack, name string, cfg dhcp.ServerConfig) error {
	return wrap("dhcp server start on "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		return dhcp.StartServer(c, n, cfg)
	}))
}

// DHCPServerStop stops the DHCP server of the netif named name.
func DHCPServerStop(ctx context.Context, s *core.Stack, name string) error {
	return wrap("dhcp server stop on "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		dhcp.StopServer(c, n)
		return nil
	}))
}

// DHCPServer returns the DHCP server of the netif named name with its
// lease table; dhcp.ErrNotRunning if none runs.
func DHCPServer(ctx context.Context, s *core.Stack, name string) (snapshot.DHCPServer, error) {
	var out snapshot.DHCPServer
	err := onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		var ok bool
		if out, ok = dhcp.ServerSnapshot(n); !ok {
			return dhcp.ErrNotRunning
		}
		return nil
	})
	if err != nil {
		return snapshot.DHCPServer{}, wrap("dhcp server of "+name, err)
	}
	return out, nil
}
