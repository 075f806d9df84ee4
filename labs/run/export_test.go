//go:build linux

package run

// SetHostCheck replaces the host check Build runs for labs that need the
// host, until the returned function restores it.
func SetHostCheck(f func() error) (restore func()) {
	prev := hostCheck
	hostCheck = f
	return func() { hostCheck = prev }
}
