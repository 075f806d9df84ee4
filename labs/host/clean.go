//go:build linux

package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// Leftover is a namespace a run left behind.
type Leftover struct {
	// Name is the namespace's name under NetnsDir.
	Name string
	// Pid is the process that made it, no longer alive.
	Pid int
}

// Leftovers lists the namespaces under NetnsDir that runs no longer
// alive left: named with a run id whose process does not exist. This
// process's own runs, other live processes' runs, and namespaces not named
// by a run are never listed.
func Leftovers() ([]Leftover, error) {
	entries, err := os.ReadDir(NetnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Leftover
	for _, e := range entries {
		pid, ok := pidOf(e.Name())
		if !ok || len(e.Name()) < IDLen+2 || e.Name()[IDLen] != '-' {
			continue
		}
		if pid == os.Getpid() || alive(pid) {
			continue
		}
		out = append(out, Leftover{Name: e.Name(), Pid: pid})
	}
	slices.SortFunc(out, func(a, b Leftover) int { return cmpString(a.Name, b.Name) })
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Clean removes what Leftovers lists: in each namespace, its processes are
// killed, then the namespace is deleted (its TAP devices and bridges go
// with it). It returns what it removed, and the errors it met, joined.
func Clean() ([]Leftover, error) {
	left, err := Leftovers()
	if err != nil {
		return nil, err
	}
	var done []Leftover
	var errs []error
	for _, l := range left {
		if err := removeNamed(l.Name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", l.Name, err))
			continue
		}
		done = append(done, l)
	}
	return done, errors.Join(errs...)
}

// removeNamed kills the processes of the namespace bound at
// NetnsDir/name, then deletes it.
func removeNamed(name string) error {
	path := filepath.Join(NetnsDir, name)
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err == nil && st.Ino != 0 {
		// The bind mount shows the namespace's own inode; an unmounted
		// file (a half-made namespace) shows the file's, which no
		// process can have.
		if err := killInode(st.Dev, st.Ino); err != nil {
			return err
		}
	}
	return unmountNamed(path)
}
