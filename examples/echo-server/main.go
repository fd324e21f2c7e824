// Command echo-server is the echo service of the tutorial's "example
// protocols" (RFC 862) as a POE program: whatever a client sends comes
// back to it, byte for byte, until it closes the connection.
//
// The tutorial describes the protocol and, in its inetd case, serves it
// with "/bin/cat -u"; it has no echo program of its own. This is the
// natural POE one: POE::Component::Server::TCP (component/tcpserver) with
// a Stream filter, so that data is echoed as it comes, lines or not, and
// a ClientInput that puts back what it gets. When the client closes its
// side, what was echoed is written out and the connection closed.
//
// It listens on 127.0.0.1 at the echo port (7) by default, which needs
// root; -addr 127.0.0.1:0 lets the system choose a port. The address it
// listens on is printed on standard error.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7", "address and port to listen on (the echo port is 7)")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "echo-server: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	status := 0

	_, err = tcpserver.New(tcpserver.Options{
		Address:      host,
		Port:         port,
		ClientFilter: filter.NewStream(),
		Started: func(e *kernel.Event) any {
			if l, ok := e.Heap["listener"].(*wheel.SocketFactory); ok {
				a, p := l.Getsockname()
				fmt.Fprintf(os.Stderr, "echo-server: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
			}
			return nil
		},
		Error: func(e *kernel.Event) any {
			fmt.Fprintf(os.Stderr, "echo-server: %v: %v\n", e.Args[0], e.Args[2])
			status = 1
			e.Heap.Delete("listener")
			return nil
		},
		ClientInput: func(e *kernel.Event) any {
			e.Heap["client"].(*wheel.ReadWrite).Put(e.Args[0])
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo-server:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "echo-server:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
