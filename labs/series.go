package labs

// A SeriesLab is one lab of the teaching series: a built-in lab and the
// topic it teaches.
type SeriesLab struct {
	// Name is the built-in lab's name.
	Name string
	// Topic says in a few words what the lab shows.
	Topic string
}

// teachingSeries is the teaching series, in order: each lab builds on the
// ones before it. docs/teaching.md walks through it.
var teachingSeries = []SeriesLab{
	{"quickstart", "ARP and the first ping"},
	{"router", "a router between two subnets, and a small-MTU hop (fragmentation)"},
	{"udp-loss", "UDP under loss, duplication and reordering"},
	{"dhcp-basic", "DHCP from discover to bound"},
	{"dhcp-lifecycle", "a lease's whole life on the virtual clock: renew, rebind, expiry"},
	{"tcp-handshake", "the TCP handshake and teardown"},
	{"tcp-loss", "TCP under loss and reordering"},
	{"interface-removal", "an interface removed under traffic, through netifapi"},
}

// TeachingSeries returns the teaching series: built-in labs to take in
// this order, each building on the ones before. It runs on the caller's
// goroutine and returns a new slice each call.
func TeachingSeries() []SeriesLab {
	return append([]SeriesLab(nil), teachingSeries...)
}
