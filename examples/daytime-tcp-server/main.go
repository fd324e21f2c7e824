// Command daytime-tcp-server is the tutorial's "TCP daytime server" as a
// POE program: every client that connects is sent the local time as
// "scalar localtime" prints it, then the connection is closed (RFC 867).
//
// The Perl original binds a socket to the daytime port on every
// interface, listens, and loops on accept; here POE::Component::Server::TCP
// (component/tcpserver) does the socket, bind, listen and accept, and the
// per-connection session writes the date and shuts down, which closes the
// connection once the date has been written.
//
// It listens on 127.0.0.1 at the daytime port (13) by default, which
// needs root; -addr 127.0.0.1:0 lets the system choose a port. The
// address it listens on is printed on standard error.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// localtime is Perl's scalar localtime: "Thu Sep  9 14:03:05 2025".
func localtime() string { return time.Now().Format("Mon Jan _2 15:04:05 2006") }

func main() {
	addr := flag.String("addr", "127.0.0.1:13", "address and port to listen on (the daytime port is 13)")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "daytime-tcp-server: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	status := 0

	// socket(), bind() to the daytime port, listen(SOCK, SOMAXCONN)
	_, err = tcpserver.New(tcpserver.Options{
		Address:      host,
		Port:         port,
		ClientFilter: filter.NewLine(filter.LineOptions{Literal: "\n"}),
		Started: func(e *kernel.Event) any {
			if l, ok := e.Heap["listener"].(*wheel.SocketFactory); ok {
				a, p := l.Getsockname()
				fmt.Fprintf(os.Stderr, "daytime-tcp-server: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
			}
			return nil
		},
		Error: func(e *kernel.Event) any { // bind() or listen() or die "bind: $!"
			fmt.Fprintf(os.Stderr, "daytime-tcp-server: %v: %v\n", e.Args[0], e.Args[2])
			status = 1
			e.Heap.Delete("listener")
			return nil
		},
		// while (accept(CLIENT, SOCK)) { print CLIENT scalar localtime, "\n"; close CLIENT }
		ClientConnected: func(e *kernel.Event) any {
			e.Heap["client"].(*wheel.ReadWrite).Put(localtime())
			e.Kernel.Yield("shutdown")
			return nil
		},
		ClientInput: func(*kernel.Event) any { return nil }, // the client has nothing to say
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "daytime-tcp-server:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "daytime-tcp-server:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
