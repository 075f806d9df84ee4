// Package wire holds netlab's wire formats: typed zero-copy views and
// builders for Ethernet II, ARP over Ethernet/IPv4 (RFC 826), IPv4 with
// options (RFC 791, RFC 1122 §3.2.1), ICMPv4 (RFC 792, RFC 1122 §3.2.2,
// RFC 1191 §4), UDP (RFC 768), TCP headers and options (RFC 9293,
// RFC 7323, RFC 2018), the Internet checksum (RFC 1071, RFC 1624),
// and one-line and multi-line packet summaries for the event log.
//
// Code in this package runs on any goroutine; on the hot path that is a
// stack's tcpip goroutine. It keeps no state and nothing allocates on the
// fast path: Validate methods, accessors, Encode functions, Marshal and the
// checksum functions allocate nothing and return the sentinel errors of
// errors.go unwrapped. Only Summarize, Describe and the MAC text methods
// allocate; the event log calls them lazily, off the loop.
//
// # Views and representations
//
// A view (Ethernet, ARP, IPv4, ICMP, UDP, TCP, IPv4Options) is a byte-slice type
// over a received frame. Call its Validate method first: Validate never
// panics on any input, and once it has succeeded every accessor of that view
// is safe to call and reads bytes in place without copying. Accessors on an
// unvalidated view may panic. A view aliases the frame: it is valid for as
// long as the frame's buffer is.
//
// A representation (IPv4Header, TCPHeader, TCPOptions) is a small struct parsed from bytes
// (ParseIPv4Header) and written back with Marshal into a buffer of Len
// bytes. The Encode functions write headers straight into a caller's buffer;
// they panic if the buffer is too short, which is a programming error, never
// a property of received input.
//
// All multi-byte fields are in network byte order (big endian, RFC 791
// Appendix B).
package wire
