//go:build linux

package host

import (
	"fmt"

	"github.com/vishvananda/netlink"
)

// NewBridge creates a Linux bridge named after the run and suffix (a-z,
// 0-9, '-', at most MaxDeviceSuffix characters) inside the namespace,
// with STP off (its ports forward at once), and sets it up. It returns
// the bridge's name. The bridge goes with its namespace.
func (n *Namespace) NewBridge(suffix string) (string, error) {
	if err := checkName("device suffix", suffix, MaxDeviceSuffix); err != nil {
		return "", err
	}
	name := n.run.id + suffix
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
	if err := n.nl.LinkAdd(br); err != nil {
		return "", fmt.Errorf("%s: add bridge %s: %w", n.full, name, err)
	}
	if err := n.SetUp(name); err != nil {
		return "", err
	}
	return name, nil
}

// SetMaster makes device dev a port of the bridge master.
func (n *Namespace) SetMaster(dev, master string) error {
	l, err := n.link(dev)
	if err != nil {
		return err
	}
	m, err := n.link(master)
	if err != nil {
		return err
	}
	if err := n.nl.LinkSetMaster(l, m); err != nil {
		return fmt.Errorf("%s: set %s's master to %s: %w", n.full, dev, master, err)
	}
	return nil
}
