// Command ident-server is the SYNOPSIS of POE::Component::Server::Ident
// in Go: an identd that answers every query with OTHER and a made-up
// identifier. It listens on -addr, 127.0.0.1:113 by default (port 113
// needs root); a port of 0 lets the system choose. The address it
// listens on is printed to standard error.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/seed02617006/poe/component/identserver"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:113", "address and port to listen on")
	flag.Parse()
	host, portStr, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portStr)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "ident-server: bad -addr %q\n", *addr)
		os.Exit(2)
	}
	if port == 0 {
		port = identserver.AnyPort
	}

	srv, err := identserver.Spawn(identserver.Options{Alias: "Ident-Server", BindAddr: host, BindPort: port})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	h, p := srv.Getsockname()
	fmt.Fprintf(os.Stderr, "ident-server: listening on %s\n", net.JoinHostPort(h, strconv.Itoa(p)))

	session.Create(session.Options{
		InlineStates: kernel.States{"_start": start, "identd_request": identdRequest},
	})

	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func start(e *kernel.Event) any {
	e.Kernel.Post("Ident-Server", "register")
	return nil
}

func identdRequest(e *kernel.Event) any {
	sender := e.Sender
	var val1, val2 string
	val1 = strconv.Itoa(rand.IntN(99999))
	val2 = val1
	val1 = strings.Map(func(r rune) rune { return r - '0' + 'A' }, val1) // tr/0-9/A-Z/
	e.Kernel.Call(sender, "ident_server_reply", "OTHER", val1+val2)
	return nil
}
