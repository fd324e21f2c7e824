// Command ssl-tcp-client is the TCP-Client program of POE::Filter::SSL's
// SYNOPSIS: POE::Component::Client::TCP (component/tcpclient) whose
// Filter is an SSL filter in client mode. Once connected it sends
// "HEAD /" and prints each piece of plaintext the server sends as
// "from server: ...", until the server closes the connection.
//
// The seed connects to yahoo.com:443; this port never contacts an outside
// host: -addr defaults to 127.0.0.1:443, where examples/ssl-tcp-server
// listens (run it with -addr 127.0.0.1:0 and give its address here). As in
// the seed the filter is SSL alone (no Line on top), so the pieces are
// whatever plaintext each TLS record carries, and, as in the seed, the
// server's certificate is not verified unless -cacrt names a CA file
// (POE::Filter::SSL's cacrt option, which this port also honours in
// client mode).
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/seed02617006/poe/component/tcpclient"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:443", "the server's address and port")
	cacrt := flag.String("cacrt", "", "CA certificate(s) to verify the server against (PEM); empty: no verification, as the seed")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "ssl-tcp-client: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	// Filter => [ "POE::Filter::SSL", client => 1 ]
	ssl, err := filter.NewSSL(filter.SSLOptions{Client: true, CACrt: *cacrt})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssl-tcp-client:", err)
		os.Exit(2)
	}

	_, err = tcpclient.New(tcpclient.Options{
		RemoteAddress: host,
		RemotePort:    port,
		Filter:        ssl,
		Connected: func(e *kernel.Event) any {
			e.Heap["server"].(*wheel.ReadWrite).Put("HEAD /\r\n\r\n")
			return nil
		},
		ServerInput: func(e *kernel.Event) any {
			fmt.Print("from server: " + string(e.Args[0].([]byte)) + "\n")
			return nil
		},
		// Not in the seed: say a connection's first error only
		// (tcpclient sets got_an_error after it), where the default
		// ServerError would print every one.
		ServerError: func(e *kernel.Event) any {
			if e.Heap["got_an_error"] != nil {
				return nil
			}
			if num, _ := e.Args[1].(int); num != 0 {
				fmt.Fprintf(os.Stderr, "ssl-tcp-client: %v error %v: %v\n", e.Args[0], num, e.Args[2])
			}
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssl-tcp-client:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "ssl-tcp-client:", err)
		os.Exit(1)
	}
}
