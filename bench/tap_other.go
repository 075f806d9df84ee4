//go:build !linux

package main

// tapMeasures skips workload 3 where there are no network namespaces and
// TAP devices.
func tapMeasures(p params) ([]measure, string) { return nil, "skipped: needs Linux" }

// closeOnSignal has nothing to clean up off Linux.
func closeOnSignal() (stop func()) { return func() {} }
