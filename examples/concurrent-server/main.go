// Command concurrent-server is the tutorial's "Concurrent server" as a
// POE program: every client is served by one process, and a client that
// is slow never holds up the others.
//
// The Perl original selects on the listening socket and on every client:
// a readable listener is accepted and added to the select set, a readable
// client goes to process_client. POE's kernel is that select loop, and
// POE::Component::Server::TCP (component/tcpserver) is the accept branch:
// each accepted client gets a session, and its ClientInput is
// process_client, called when the client has sent a line.
//
// The tutorial leaves process_client undefined. Here it answers each line
// with "N: line", N counting the lines that client has sent, which shows
// that every client has its own state (its session's heap); "quit" is
// answered "bye" and closes the connection. Connections coming and going
// are logged on standard output. -concurrency bounds the clients served
// at once (POE's Concurrency); more wait in the listen queue.
//
// It listens on 127.0.0.1:8007 by default; -addr 127.0.0.1:0 lets the
// system choose a port. The address it listens on is printed on standard
// error.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// processClient handles what one client sent: the tutorial's
// process_client, called only when that client is ready.
func processClient(e *kernel.Event) any {
	line := e.Args[0].(string)
	client := e.Heap["client"].(*wheel.ReadWrite)
	if line == "quit" {
		client.Put("bye")
		e.Kernel.Yield("shutdown")
		return nil
	}
	n, _ := e.Heap["lines"].(int)
	n++
	e.Heap["lines"] = n
	client.Put(fmt.Sprintf("%d: %s", n, line))
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8007", "address and port to listen on")
	concurrency := flag.Int("concurrency", -1, "clients served at once; -1 for no bound")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "concurrent-server: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	status := 0
	peer := func(e *kernel.Event) string {
		return net.JoinHostPort(e.Heap["remote_ip"].(string), strconv.Itoa(e.Heap["remote_port"].(int)))
	}

	_, err = tcpserver.New(tcpserver.Options{
		Address:     host,
		Port:        port,
		Concurrency: *concurrency,
		Started: func(e *kernel.Event) any {
			if l, ok := e.Heap["listener"].(*wheel.SocketFactory); ok {
				a, p := l.Getsockname()
				fmt.Fprintf(os.Stderr, "concurrent-server: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
			}
			return nil
		},
		Error: func(e *kernel.Event) any {
			fmt.Fprintf(os.Stderr, "concurrent-server: %v: %v\n", e.Args[0], e.Args[2])
			status = 1
			e.Heap.Delete("listener")
			return nil
		},
		ClientConnected: func(e *kernel.Event) any {
			fmt.Printf("%s connected\n", peer(e))
			return nil
		},
		ClientInput: processClient,
		ClientDisconnected: func(e *kernel.Event) any {
			fmt.Printf("%s left after %d lines\n", peer(e), e.Heap["lines"])
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "concurrent-server:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "concurrent-server:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
