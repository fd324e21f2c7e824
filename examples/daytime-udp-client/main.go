// Command daytime-udp-client is the tutorial's "UDP daytime client" as a
// POE program: it sends an empty datagram to a daytime server, prints the
// answer followed by a newline, and exits.
//
// The Perl original sends the empty packet, then blocks in recv inside an
// eval meant to be cut short by an alarm (it sets $SIG{ALRM} but never
// calls alarm, so it can wait forever). Here a session owns a UDP wheel
// connected to the server: the answer arrives as its InputEvent, a read
// error (the server's port is closed) as its ErrorEvent, and a Delay
// gives up after -timeout with the warning "Timeout". As in the original,
// a failure is a warning and the exit status stays 0; a failed send dies
// with exit status 1.
//
// It asks 127.0.0.1 at the daytime port (13) by default; -addr host:port
// names another server.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:13", "daytime server to ask (the daytime port is 13)")
	timeout := flag.Duration("timeout", 10*time.Second, "how long to wait for the answer")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "daytime-udp-client: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	status := 0

	session.Create(session.Options{InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			// socket(SOCK, AF_INET, SOCK_DGRAM, $proto)
			w, err := wheel.NewUDP(e.Kernel, wheel.UDPOptions{
				PeerAddr:   host,
				PeerPort:   port,
				InputEvent: "got_date",
				ErrorEvent: "got_error",
			})
			if err != nil {
				_, str := wheel.Errno(err)
				fmt.Fprintf(os.Stderr, "socket: %s\n", str)
				status = 1
				return nil
			}
			e.Heap["sock"] = w
			// send(SOCK, "", 0, $paddr) or die "send: $!";
			if _, err := w.Put(wheel.Datagram{}); err != nil {
				_, str := wheel.Errno(err)
				fmt.Fprintf(os.Stderr, "send: %s\n", str)
				status = 1
				e.Heap.Delete("sock")
				return nil
			}
			// $SIG{ALRM} = sub { die "Timeout" };
			e.Kernel.Delay("timeout", *timeout)
			return nil
		},
		// recv(SOCK, $date, 1024, 0); print $date, "\n";
		"got_date": func(e *kernel.Event) any {
			fmt.Printf("%s\n", e.Args[0].(wheel.Datagram).Payload)
			e.Kernel.DelayClear("timeout")
			e.Heap.Delete("sock") // close(SOCK)
			return nil
		},
		// recv(...) or die "recv: $!\n"; ... or warn $@;
		"got_error": func(e *kernel.Event) any {
			fmt.Fprintf(os.Stderr, "recv: %v\n", e.Args[2])
			e.Kernel.DelayClear("timeout")
			e.Heap.Delete("sock")
			return nil
		},
		"timeout": func(e *kernel.Event) any {
			fmt.Fprintln(os.Stderr, "Timeout")
			e.Heap.Delete("sock")
			return nil
		},
	}})
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "daytime-udp-client:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
