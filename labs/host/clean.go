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

// The kinds of Leftover.
const (
	// LeftNamespace is a namespace under NetnsDir, with its devices and
	// processes.
	LeftNamespace = "namespace"
	// LeftDirectory is a run's directory under FilesDir.
	LeftDirectory = "directory"
)

// Leftover is a namespace or a directory a run left behind.
type Leftover struct {
	// Kind is LeftNamespace or LeftDirectory.
	Kind string
	// Name is the namespace's name under NetnsDir, or the directory's
	// under FilesDir (the run id).
	Name string
	// Pid is the process that made it, no longer alive.
	Pid int
}

// Leftovers lists the namespaces under NetnsDir and the directories under
// FilesDir that runs no longer alive left: named with a run id whose
// process does not exist. This process's own runs, other live processes'
// runs, and names not made by a run are never listed. Namespaces come
// first, each kind sorted by name.
func Leftovers() ([]Leftover, error) {
	nss, err := leftIn(NetnsDir, LeftNamespace, func(name string) bool {
		return len(name) >= IDLen+2 && name[IDLen] == '-'
	})
	if err != nil {
		return nil, err
	}
	dirs, err := leftIn(FilesDir, LeftDirectory, func(name string) bool { return len(name) == IDLen })
	return append(nss, dirs...), err
}

// leftIn lists the entries of dir named by a dead run's id that named
// accepts.
func leftIn(dir, kind string, named func(string) bool) ([]Leftover, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Leftover
	for _, e := range entries {
		pid, ok := pidOf(e.Name())
		if !ok || !named(e.Name()) {
			continue
		}
		if pid == os.Getpid() || alive(pid) {
			continue
		}
		out = append(out, Leftover{Kind: kind, Name: e.Name(), Pid: pid})
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
// with it); directories go with everything in them. It returns what it
// removed, and the errors it met, joined.
func Clean() ([]Leftover, error) {
	left, err := Leftovers()
	if err != nil {
		return nil, err
	}
	var done []Leftover
	var errs []error
	for _, l := range left {
		remove := removeNamed
		if l.Kind == LeftDirectory {
			remove = func(name string) error { return os.RemoveAll(filepath.Join(FilesDir, name)) }
		}
		if err := remove(l.Name); err != nil {
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
