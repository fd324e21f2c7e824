// Command ssl-tcp-server is the TCP-Server program of POE::Filter::SSL's
// SYNOPSIS: POE::Component::Server::TCP (component/tcpserver) whose
// ClientFilter is an SSL filter in server mode, so that every connection
// speaks TLS. It greets each client with "Smile from the server!", sends
// back the first data the client sends after "You sent:", and closes the
// connection.
//
// The SSL filter given as ClientFilter is a prototype: each connection
// gets a Clone, which is what Perl's [ "POE::Filter::SSL", crt => ...,
// key => ... ] form means. The filter is POE::Filter::Stream-like, so
// "the first data" is the plaintext of the client's first TLS record(s)
// as they come, not a line.
//
// It listens on 127.0.0.1 at port 443 by default, which needs root;
// -addr 127.0.0.1:0 lets the system choose a port. The address it listens
// on is printed on standard error. -crt and -key name the server's PEM
// certificate and key (server.crt and server.key, as in the seed).
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
	addr := flag.String("addr", "127.0.0.1:443", "address and port to listen on")
	crt := flag.String("crt", "server.crt", "server certificate (PEM)")
	key := flag.String("key", "server.key", "server private key (PEM)")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "ssl-tcp-server: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	// ClientFilter => [ "POE::Filter::SSL", crt => 'server.crt', key => 'server.key' ]
	ssl, err := filter.NewSSL(filter.SSLOptions{Crt: *crt, Key: *key})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssl-tcp-server:", err)
		os.Exit(2)
	}
	status := 0

	_, err = tcpserver.New(tcpserver.Options{
		Address:      host,
		Port:         port,
		ClientFilter: ssl,
		Started: func(e *kernel.Event) any {
			if l, ok := e.Heap["listener"].(*wheel.SocketFactory); ok {
				a, p := l.Getsockname()
				fmt.Fprintf(os.Stderr, "ssl-tcp-server: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
			}
			return nil
		},
		Error: func(e *kernel.Event) any {
			fmt.Fprintf(os.Stderr, "ssl-tcp-server: %v: %v\n", e.Args[0], e.Args[2])
			status = 1
			e.Heap.Delete("listener")
			return nil
		},
		ClientConnected: func(e *kernel.Event) any {
			fmt.Printf("got a connection from %v\n", e.Heap["remote_ip"])
			e.Heap["client"].(*wheel.ReadWrite).Put("Smile from the server!\r\n")
			return nil
		},
		Alias: "tcp",
		ClientInput: func(e *kernel.Event) any {
			e.Heap["client"].(*wheel.ReadWrite).Put("You sent:\r\n" + string(e.Args[0].([]byte)))
			e.Kernel.Yield("shutdown")
			return nil
		},
		// Not in the seed. A client that is not speaking TLS (or fails
		// the handshake) gets an error from the filter; the connection
		// is shut down and the server goes on. tcpserver sets
		// got_an_error after the first error, so it is said once per
		// connection.
		ClientError: func(e *kernel.Event) any {
			if e.Heap["got_an_error"] != nil {
				return nil
			}
			if num, _ := e.Args[1].(int); num != 0 {
				fmt.Fprintf(os.Stderr, "ssl-tcp-server: %v error: %v\n", e.Args[0], e.Args[2])
			}
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssl-tcp-server:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "ssl-tcp-server:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
