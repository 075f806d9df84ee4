//go:build !linux

package run

import (
	"context"
	"errors"
	"time"

	"github.com/netlab/netlab/labs"
)

// errNoHost is what a lab with kernel nodes or tap links gets off Linux.
var errNoHost = errors.New("run: kernel nodes and tap links need Linux")

type hostWorld struct{}

// CheckHost reports whether this process can build a lab that needs the
// host: never, off Linux.
func CheckHost() error { return errNoHost }

// IsUnsupported reports whether err says that the host lacks the
// privileges or support a lab needs.
func IsUnsupported(err error) bool { return errors.Is(err, errNoHost) }

func (w *World) buildHost() error               { return errNoHost }
func (w *World) stopProcesses() []ProcessReport { return nil }
func (w *World) closeHost()                     {}
func (w *World) deviceStats(*Link) DeviceStats  { return DeviceStats{} }

func (r *runner) exec(ctx context.Context, index int, a *labs.Exec) (string, error) {
	return "", errNoHost
}

type execResult struct {
	exit     int
	timedOut bool
	output   string
	took     time.Duration
}

// CloseAllHosts does nothing off Linux.
func CloseAllHosts() error { return nil }
