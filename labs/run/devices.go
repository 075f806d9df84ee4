package run

import "github.com/netlab/netlab/core/link/mem"

// DeviceDir is what the driver of one TAP device counted in one direction
// of a link: the frames a stack sent that it wrote into the device
// (towards the kernel, or the bridge of a tap-pair link), or the frames it
// read from the device for a stack.
type DeviceDir struct {
	// Device names the TAP device and its namespace.
	Device string
	// Written is true for frames written into the device, false for
	// frames read from it.
	Written bool
	// Frames is what crossed the device that way, Stats all the driver's
	// counters of that direction (its drops by reason among them).
	Frames uint64
	Stats  mem.DirStats
}

// DeviceStats is what the TAP drivers of a tap or tap-pair link counted,
// per direction of the link, in the order a frame crosses the devices.
// A pipe's is zero.
type DeviceStats struct {
	AtoB, BtoA []DeviceDir
	// Errors counts the drivers' failed reads and writes; Err is the last
	// one, nil when there was none.
	Errors uint64
	Err    error
}

// DeviceStats returns every link's TAP counters, in lab order (zero for
// pipes). Any goroutine; never blocks.
func (w *World) DeviceStats() []DeviceStats {
	out := make([]DeviceStats, len(w.Links))
	for i, l := range w.Links {
		out[i] = w.deviceStats(l)
	}
	return out
}
