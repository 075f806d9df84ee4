package sockets

import (
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"

	"github.com/netlab/netlab/core"
)

// Error is the error of every failed call of this package: the call, the
// descriptor and the errno a BSD socket call would have set, with the
// error behind it (a core error, a context's error) when there is one.
//
// errors.Is(err, syscall.ECONNREFUSED) matches Err; errors.Is(err,
// context.Canceled) or errors.Is(err, core.ErrConnRefused) match Cause.
type Error struct {
	// Op is the call that failed: "socket", "bind", "connect", "sendto",
	// "send", "recvfrom", "recv", "close", "getsockname", "getpeername",
	// "setsockopt", "getsockopt", "fcntl", "poll", "stat", "ping",
	// "listen", "accept", "shutdown".
	Op string
	// FD is the descriptor the call was given, -1 when none.
	FD FD
	// Err is the errno.
	Err syscall.Errno
	// Cause is the error Err was mapped from, nil when none.
	Cause error
}

// Error returns "sockets: recvfrom fd 3: connection refused".
func (e *Error) Error() string {
	s := "sockets: " + e.Op
	if e.FD >= 0 {
		s += " fd " + e.FD.String()
	}
	s += ": " + e.Err.Error()
	if e.Cause != nil && (isContextErr(e.Cause) || errors.Unwrap(e.Cause) != nil) {
		// A context's end, or a core error that says more than its
		// errno ("all 16384 ephemeral TCP ports ... are taken").
		s += " (" + e.Cause.Error() + ")"
	}
	return s
}

// Unwrap returns the errno, for errors.Is(err, syscall.EAGAIN).
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether Cause matches target, so that errors.Is(err,
// context.Canceled) holds for a call its context ended.
func (e *Error) Is(target error) bool {
	return e.Cause != nil && errors.Is(e.Cause, target)
}

// Timeout reports whether the call timed out (SO_RCVTIMEO, a deadline,
// a context's deadline), as net.Error does.
func (e *Error) Timeout() bool {
	return e.Err == syscall.EAGAIN || e.Err == syscall.ETIMEDOUT
}

// Temporary reports whether trying again may succeed.
func (e *Error) Temporary() bool {
	return e.Err == syscall.EAGAIN || e.Err == syscall.EINTR || e.Err == syscall.ENOBUFS
}

// errnoTable maps core errors to errnos, after lwIP's err_to_errno
// (src/api/sockets.c) and Linux's icmp_err_convert for ICMP errors.
var errnoTable = [...]struct {
	err   error
	errno syscall.Errno
}{
	{core.ErrNoRoute, syscall.EHOSTUNREACH},
	{core.ErrAddrInUse, syscall.EADDRINUSE},
	{core.ErrAddrNotAvail, syscall.EADDRNOTAVAIL},
	{core.ErrInvalid, syscall.EINVAL},
	{core.ErrNoBuffers, syscall.ENOBUFS},
	{core.ErrNotConnected, syscall.ENOTCONN},
	{core.ErrIsConnected, syscall.EISCONN},
	{core.ErrMsgSize, syscall.EMSGSIZE},
	{core.ErrConnRefused, syscall.ECONNREFUSED},
	{core.ErrHostUnreach, syscall.EHOSTUNREACH},
	{core.ErrNetUnreach, syscall.ENETUNREACH},
	{core.ErrProtoUnreach, syscall.ENOPROTOOPT},
	{core.ErrTTLExceeded, syscall.EHOSTUNREACH},
	{core.ErrNetDown, syscall.ENETDOWN},
	{core.ErrBroadcast, syscall.EACCES},
	{core.ErrNoSuchNetif, syscall.ENODEV},
	{core.ErrExists, syscall.EEXIST},
	{core.ErrNotFound, syscall.ENOENT},
	{core.ErrStopped, syscall.ENETDOWN},
	{core.ErrClosed, syscall.EBADF},
	{core.ErrLoopbackChange, syscall.EPERM},
	{core.ErrConnReset, syscall.ECONNRESET},
	{core.ErrConnAborted, syscall.ECONNABORTED},
	{core.ErrTimedOut, syscall.ETIMEDOUT},
	{core.ErrShutdown, syscall.EPIPE},
}

// Errno returns the errno a socket call reports for err: a core error
// through the table, a context's end as EINTR (canceled) or ETIMEDOUT
// (deadline), an errno as itself, anything else EIO. send says the call
// sends: an unconnected send is EDESTADDRREQ, not ENOTCONN.
func Errno(err error, send bool) syscall.Errno {
	if err == nil {
		return 0
	}
	var se *Error
	if errors.As(err, &se) {
		return se.Err
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		return en
	}
	switch {
	case errors.Is(err, context.Canceled):
		return syscall.EINTR
	case errors.Is(err, context.DeadlineExceeded):
		return syscall.ETIMEDOUT
	case send && errors.Is(err, core.ErrNotConnected):
		return syscall.EDESTADDRREQ
	}
	for _, m := range errnoTable {
		if errors.Is(err, m.err) {
			return m.errno
		}
	}
	return syscall.EIO
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// errnoNames are the names of the errnos this package reports.
var errnoNames = map[syscall.Errno]string{
	syscall.EACCES:        "EACCES",
	syscall.EADDRINUSE:    "EADDRINUSE",
	syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL",
	syscall.EAFNOSUPPORT:  "EAFNOSUPPORT",
	syscall.EAGAIN:        "EAGAIN",
	syscall.EBADF:         "EBADF",
	syscall.ECONNREFUSED:  "ECONNREFUSED",
	syscall.ECONNRESET:    "ECONNRESET",
	syscall.ECONNABORTED:  "ECONNABORTED",
	syscall.EALREADY:      "EALREADY",
	syscall.EINPROGRESS:   "EINPROGRESS",
	syscall.EOPNOTSUPP:    "EOPNOTSUPP",
	syscall.EPIPE:         "EPIPE",
	syscall.EDESTADDRREQ:  "EDESTADDRREQ",
	syscall.EEXIST:        "EEXIST",
	syscall.EHOSTUNREACH:  "EHOSTUNREACH",
	syscall.EINTR:         "EINTR",
	syscall.EINVAL:        "EINVAL",
	syscall.EIO:           "EIO",
	syscall.EISCONN:       "EISCONN",
	syscall.EMFILE:        "EMFILE",
	syscall.EMSGSIZE:      "EMSGSIZE",
	syscall.ENETDOWN:      "ENETDOWN",
	syscall.ENETUNREACH:   "ENETUNREACH",
	syscall.ENOBUFS:       "ENOBUFS",
	syscall.ENODEV:        "ENODEV",
	syscall.ENOENT:        "ENOENT",
	syscall.ENOPROTOOPT:   "ENOPROTOOPT",
	syscall.ENOTCONN:      "ENOTCONN",
	syscall.EPERM:         "EPERM",
	syscall.EPROTOTYPE:    "EPROTOTYPE",
	syscall.ESHUTDOWN:     "ESHUTDOWN",
	syscall.ETIMEDOUT:     "ETIMEDOUT",
}

// ErrnoName returns the symbolic name of e ("ECONNREFUSED"), "" for 0, or
// "errno N" for one this package never reports. Labs and the TUI show it.
func ErrnoName(e syscall.Errno) string {
	if e == 0 {
		return ""
	}
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return "errno " + strconv.Itoa(int(e))
}

// ParseErrno returns the errno named name ("ECONNREFUSED", also
// "EWOULDBLOCK"), for lab expectations.
func ParseErrno(name string) (syscall.Errno, bool) {
	if name == "EWOULDBLOCK" {
		return syscall.EWOULDBLOCK, true
	}
	for e, n := range errnoNames {
		if n == name {
			return e, true
		}
	}
	return 0, false
}

// fail wraps err (a core error, a context's error, or an errno) as the
// *Error of op on fd; nil stays nil.
func fail(op string, fd FD, err error, send bool) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	e := &Error{Op: op, FD: fd, Err: Errno(err, send)}
	var en syscall.Errno
	if !errors.As(err, &en) {
		e.Cause = err
	}
	return e
}

// errnoErr is the *Error of op on fd with errno e and no cause.
func errnoErr(op string, fd FD, e syscall.Errno) error {
	return &Error{Op: op, FD: fd, Err: e}
}

// timeoutErr is the *Error of a read whose deadline passed (PacketConn's
// SetReadDeadline, Ping's own waits): EAGAIN caused by
// os.ErrDeadlineExceeded.
func timeoutErr(op string, fd FD) error {
	return &Error{Op: op, FD: fd, Err: syscall.EAGAIN, Cause: os.ErrDeadlineExceeded}
}
