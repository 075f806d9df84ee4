//go:build linux

package host

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TAP is a TAP device a Namespace made: its name and the open file the
// link driver (core/link/tap) takes. The file's descriptor is
// non-blocking and close-on-exec; the device goes away when the file is
// closed (it is not persistent), or with its namespace.
type TAP struct {
	// Name is the device's name inside the namespace: the run id and a
	// suffix, at most 15 characters.
	Name string
	// File is the open device, in non-blocking mode. Hand it to tap.New,
	// which owns it from then on; never call its Fd method (that would
	// switch it to blocking mode).
	File *os.File
}

// NewTAP creates a TAP device (IFF_TAP|IFF_NO_PI, no vnet header) named
// after the run and suffix (a-z, 0-9, '-', at most MaxDeviceSuffix
// characters) inside the namespace: TUNSETIFF runs on a thread switched
// into it, so the device never exists in any other namespace. mtu sets
// its MTU when above 0. The device is left down, with no address: the
// kernel side of a link is configured with AddAddress, SetUp and the like.
func (n *Namespace) NewTAP(suffix string, mtu int) (*TAP, error) {
	if err := checkName("device suffix", suffix, MaxDeviceSuffix); err != nil {
		return nil, err
	}
	name := n.run.id + suffix
	var f *os.File
	err := n.Do(func() error {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open /dev/net/tun: %w", err)
		}
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			unix.Close(fd)
			return err
		}
		ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETIFF, uintptr(unsafe.Pointer(ifr))); errno != 0 {
			unix.Close(fd)
			return fmt.Errorf("TUNSETIFF: %w", errno)
		}
		// A non-blocking descriptor makes a pollable file.
		f = os.NewFile(uintptr(fd), "tap "+name)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tap %s in %s: %w", name, n.full, err)
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		f.Close()
		return nil, ErrClosed
	}
	n.taps = append(n.taps, f)
	n.mu.Unlock()
	if mtu > 0 {
		if err := n.SetMTU(name, mtu); err != nil {
			return nil, err
		}
	}
	return &TAP{Name: name, File: f}, nil
}
