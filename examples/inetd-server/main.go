// Command inetd-server is the tutorial's "inetd server" as a POE program:
// it listens on a port and runs a filter program for every connection,
// with the connection as the program's standard input, output and error,
// as inetd does for a line of /etc/inetd.conf such as
//
//	echo  stream  tcp  nowait  nobody  /bin/cat  -u
//
// inetd forks and execs the program on the accepted socket. Go cannot
// hand a socket to a child that way without giving up the kernel's
// control of it, so here each connection's session (component/tcpserver)
// runs the program with POE::Wheel::Run (wheel.Run) and relays: what the
// client sends goes to the program's standard input, what the program
// writes on its standard output or error goes to the client. When the
// client closes its side, the program's input is closed; when the program
// has closed its output, what it wrote is sent and the connection closed.
// A connection that fails kills its program.
//
// -program is the program and its arguments, split at spaces and run
// without a shell ("cat -u" by default, the tutorial's echo service). It
// listens on 127.0.0.1:8007 by default; -addr 127.0.0.1:0 lets the system
// choose a port. The address it listens on is printed on standard error.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8007", "address and port to listen on")
	program := flag.String("program", "cat -u", "program to run for each connection, and its arguments")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "inetd-server: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	argv := strings.Fields(*program)
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "inetd-server: -program is empty")
		os.Exit(2)
	}
	status := 0
	client := func(e *kernel.Event) *wheel.ReadWrite {
		w, _ := e.Heap["client"].(*wheel.ReadWrite)
		return w
	}
	child := func(e *kernel.Event) *wheel.Run {
		w, _ := e.Heap["child"].(*wheel.Run)
		return w
	}

	_, err = tcpserver.New(tcpserver.Options{
		Address:      host,
		Port:         port,
		ClientFilter: filter.NewStream(), // bytes, as the program sees them
		// The end of the client's input is not the end of the
		// connection: the program may still have things to say.
		ClientShutdownOnError: new(false),
		Started: func(e *kernel.Event) any {
			if l, ok := e.Heap["listener"].(*wheel.SocketFactory); ok {
				a, p := l.Getsockname()
				fmt.Fprintf(os.Stderr, "inetd-server: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
			}
			return nil
		},
		Error: func(e *kernel.Event) any {
			fmt.Fprintf(os.Stderr, "inetd-server: %v: %v\n", e.Args[0], e.Args[2])
			status = 1
			e.Heap.Delete("listener")
			return nil
		},
		// fork; exec the program on the connection.
		ClientConnected: func(e *kernel.Event) any {
			w, err := wheel.NewRun(e.Kernel, wheel.RunOptions{
				Program:     argv,
				StdioFilter: filter.NewStream(),
				// A nil StderrFilter would be Line: keep stderr's
				// bytes as they are too.
				StderrFilter: filter.NewStream(),
				StdoutEvent:  "child_output",
				StderrEvent:  "child_output",
				ErrorEvent:   "child_error",
				CloseEvent:   "child_closed",
			})
			if err != nil {
				fmt.Fprintf(os.Stderr, "inetd-server: %s: %v\n", argv[0], err)
				e.Kernel.Yield("shutdown")
				return nil
			}
			e.Heap["child"] = w
			e.Kernel.SigChild(w.PID(), "child_exited") // $SIG{CHLD}: reap it
			return nil
		},
		ClientInput: func(e *kernel.Event) any {
			if w := child(e); w != nil {
				_ = w.Put(e.Args[0])
			}
			return nil
		},
		ClientError: func(e *kernel.Event) any {
			if e.Args[0] == "read" && e.Args[1] == 0 {
				if w := child(e); w != nil {
					w.ShutdownStdin() // the program reads EOF
				}
				return nil
			}
			// A failed connection: nobody is left to talk to.
			e.Heap["got_an_error"] = true
			e.Kernel.Yield("shutdown")
			return nil
		},
		ClientDisconnected: func(e *kernel.Event) any {
			e.Heap.Delete("child") // kills a program still running
			return nil
		},
		InlineStates: kernel.States{
			"child_output": func(e *kernel.Event) any {
				if w := client(e); w != nil {
					w.Put(e.Args[0])
				}
				return nil
			},
			// The program closed its output: send what it wrote, close.
			"child_closed": func(e *kernel.Event) any {
				e.Kernel.Yield("shutdown")
				return nil
			},
			"child_error":  func(*kernel.Event) any { return nil }, // EOF on its pipes; child_closed follows
			"child_exited": func(*kernel.Event) any { return nil },
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "inetd-server:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "inetd-server:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
