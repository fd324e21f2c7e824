// Command daytime-udp-server is the tutorial's "UDP daytime server" as a
// POE program: every datagram it receives is answered with the local time
// as "scalar localtime" prints it, without a newline (RFC 867 over UDP).
//
// The Perl original binds a datagram socket to the daytime port, selects
// on it, and answers each recv with a send to the sender; here a session
// owns a UDP wheel (POE::Wheel::UDP), whose InputEvent gets each datagram
// with its sender, and Put sends the answer back there.
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

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
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
		fmt.Fprintf(os.Stderr, "daytime-udp-server: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	status := 0

	session.Create(session.Options{InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			// socket(SOCK, AF_INET, SOCK_DGRAM, $proto); bind(SOCK, $paddr)
			w, err := wheel.NewUDP(e.Kernel, wheel.UDPOptions{
				LocalAddr:  host,
				LocalPort:  port,
				InputEvent: "got_datagram",
				ErrorEvent: "got_error",
			})
			if err != nil { // or die "bind: $!"
				_, str := wheel.Errno(err)
				fmt.Fprintf(os.Stderr, "bind: %s\n", str)
				status = 1
				return nil
			}
			e.Heap["sock"] = w
			a, p := w.Getsockname()
			fmt.Fprintf(os.Stderr, "daytime-udp-server: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
			return nil
		},
		// $from = recv(SOCK, $buffer, 1, 0) or next;
		// send(SOCK, scalar localtime, 0, $from) || die "send: $!";
		"got_datagram": func(e *kernel.Event) any {
			from := e.Args[0].(wheel.Datagram)
			w := e.Heap["sock"].(*wheel.UDP)
			if _, err := w.Put(wheel.Datagram{Payload: []byte(localtime()), Addr: from.Addr, Port: from.Port}); err != nil {
				_, str := wheel.Errno(err)
				fmt.Fprintf(os.Stderr, "send: %s\n", str)
				status = 1
				e.Heap.Delete("sock")
			}
			return nil
		},
		// A failed recv: "or next".
		"got_error": func(*kernel.Event) any { return nil },
	}})
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "daytime-udp-server:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
