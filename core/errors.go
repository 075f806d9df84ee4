package core

import "errors"

// Errors the core returns, after lwIP's err_t (src/include/lwip/err.h).
// The sockets layer maps each to an errno, as lwIP's err_to_errno does.
var (
	ErrNoRoute        = errors.New("no route to host")                // ERR_RTE
	ErrAddrInUse      = errors.New("address already in use")          // ERR_USE
	ErrAddrNotAvail   = errors.New("address not available")           // ERR_VAL on bind
	ErrInvalid        = errors.New("invalid argument")                // ERR_ARG
	ErrNoBuffers      = errors.New("no buffer space available")       // ERR_MEM, ERR_BUF
	ErrNotConnected   = errors.New("not connected")                   // ERR_CONN
	ErrIsConnected    = errors.New("already connected")               // ERR_ISCONN
	ErrMsgSize        = errors.New("message too long")                // fragmentation needed with DF
	ErrConnRefused    = errors.New("connection refused")              // ICMP port unreachable
	ErrHostUnreach    = errors.New("host unreachable")                // ARP failed, ICMP host unreachable
	ErrNetUnreach     = errors.New("network unreachable")             // ICMP net unreachable
	ErrProtoUnreach   = errors.New("protocol unreachable")            // ICMP protocol unreachable
	ErrTTLExceeded    = errors.New("time to live exceeded")           // ICMP time exceeded
	ErrNetDown        = errors.New("network is down")                 // netif down or removed, ERR_IF
	ErrBroadcast      = errors.New("broadcast not enabled")           // SO_BROADCAST off
	ErrNoSuchNetif    = errors.New("no such interface")               // netifapi lookups
	ErrExists         = errors.New("already exists")                  // duplicate netif name, route
	ErrNotFound       = errors.New("not found")                       // route or entry not found
	ErrStopped        = errors.New("stack stopped")                   // the tcpip goroutine has ended
	ErrClosed         = errors.New("control block closed")            // a PCB used after close
	ErrLoopbackChange = errors.New("the loopback interface is fixed") // removing or readdressing lo
	ErrConnReset      = errors.New("connection reset by peer")        // ERR_RST: an RST arrived
	ErrConnAborted    = errors.New("connection aborted")              // ERR_ABRT
	ErrTimedOut       = errors.New("connection timed out")            // retransmissions or keepalives unanswered
	ErrShutdown       = errors.New("cannot send after shutdown")      // EPIPE: write half closed
)
