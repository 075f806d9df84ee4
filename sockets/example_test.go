package sockets_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"
)

// Two netlab stacks on an in-memory pipe; net/http serves on one and
// fetches from the other, all of it over netlab's ARP, IPv4 and TCP.
func Example_httpOverNetlab() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clk := clock.NewReal() // net/http keeps timers of its own
	a := core.New(core.Config{Name: "a", Clock: clk})
	b := core.New(core.Config{Name: "b", Clock: clk})
	pipe := mem.NewPipe("a-b", clk, 1, mem.Impairments{Delay: time.Millisecond})
	a.Start()
	b.Start()
	defer pipe.Close()
	defer a.Stop()
	defer b.Stop()
	netifapi.Add(ctx, a, netifapi.Config{Name: "eth0", MAC: wire.MAC{2, 0, 0, 0, 0, 1}, Address: netip.MustParsePrefix("10.0.0.1/24"), Link: pipe.A()})
	netifapi.Add(ctx, b, netifapi.Config{Name: "eth0", MAC: wire.MAC{2, 0, 0, 0, 0, 2}, Address: netip.MustParsePrefix("10.0.0.2/24"), Link: pipe.B()})
	apiA, apiB := sockets.New(a, sockets.Options{}), sockets.New(b, sockets.Options{})

	ln, err := sockets.Listen(ctx, apiB, "tcp", ":80") // a net.Listener
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s from netlab\n", netip.MustParseAddrPort(r.RemoteAddr).Addr())
	})}
	go srv.Serve(ln)
	defer srv.Shutdown(ctx)

	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return sockets.Dial(ctx, apiA, network, addr) // a net.Conn
	}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://10.0.0.2/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.Status, ": ", string(body))
	// Output: 200 OK: hello 10.0.0.1 from netlab
}
