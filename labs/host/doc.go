// Package host makes and removes what a lab needs on the Linux host:
// network namespaces, TAP devices inside them, kernel-side configuration
// through netlink, and processes run inside them.
//
// Everything belongs to a Run. A Run's id carries the process id ("nl",
// five base-36 digits of the pid, two of a per-process sequence), every
// namespace and device it makes is named after it, and Run.Close removes
// them all (processes inside killed first). Close runs when the lab ends or
// fails; CloseOnSignal and CloseAll cover signals and recovered panics;
// Clean removes what runs whose process is no longer alive left behind
// (after a SIGKILL, or a panic on a goroutine nobody recovered).
//
// Nothing here creates or changes anything in the namespace the process
// runs in: namespaces are entered only on a locked OS thread (Namespace.Do),
// netlink handles are per namespace, and TAP devices are created by
// TUNSETIFF on a thread already switched into the lab's namespace.
//
// Goroutines: the caller's (a lab's runner goroutine). Namespace.Do runs
// its function on a fresh goroutine locked to its OS thread while the
// thread is inside the namespace.
package host
