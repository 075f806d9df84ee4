// Package tap is a link driver for an already-open Linux TAP device: the
// frames a stack's netif transmits are written to the device, and the
// frames the kernel sends out of the device reach the stack.
//
// The driver never opens, creates or configures a device (that is
// labs/host's job, inside a network namespace): it takes an *os.File whose
// descriptor is in non-blocking mode, and keeps it so. Reads and writes go
// through the Go runtime's poller (the file's syscall.RawConn), never
// File.Fd, which would switch the descriptor to blocking mode.
//
// Goroutines: Transmit runs on the sending stack's tcpip goroutine and
// never blocks (it queues a copy, or drops and counts). The driver's
// writer goroutine writes queued frames to the device; its reader
// goroutine reads every frame the device has ready in one go and hands
// them to the Receiver as one batch. Stats and SetCarrier may be called
// from any goroutine.
//
// The device carries bare Ethernet frames: it must be opened with IFF_TAP
// and IFF_NO_PI, without IFF_VNET_HDR (no offloads).
package tap
