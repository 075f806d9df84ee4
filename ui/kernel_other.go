//go:build !linux

package ui

import (
	"errors"

	"github.com/netlab/netlab/labs/run"
)

// readKernelLinks reports that kernel nodes need Linux.
func readKernelLinks(*run.World, string) ([]KernelLink, error) {
	return nil, errors.New("kernel nodes need Linux")
}

// namespaceOf is "": namespaces are Linux's.
func namespaceOf(*run.World, string) string { return "" }
