// Command daytime-tcp-client is the tutorial's "TCP daytime client" as a
// POE program: it connects to a daytime server, prints what the server
// sends until the server closes the connection, and exits.
//
// The Perl original makes a socket, connects it to localhost's daytime
// port, and prints <SOCK>; here POE::Component::Client::TCP
// (component/tcpclient) connects, and its ServerInput prints each line.
// "connect: $!" on failure is ConnectError, with the same message and a
// non-zero exit.
//
// It connects to 127.0.0.1 at the daytime port (13) by default; -addr
// host:port names another server.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/seed02617006/poe/component/tcpclient"
	"github.com/seed02617006/poe/kernel"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:13", "daytime server to ask (the daytime port is 13)")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "daytime-tcp-client: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	status := 0

	_, err = tcpclient.New(tcpclient.Options{
		RemoteAddress: host, // inet_aton('localhost')
		RemotePort:    port, // getservbyname('daytime', 'tcp')
		// connect(SOCK, $paddr) or die "connect: $!";
		ConnectError: func(e *kernel.Event) any {
			fmt.Fprintf(os.Stderr, "%v: %v\n", e.Args[0], e.Args[2])
			status = 1
			return nil
		},
		// print <SOCK>;
		ServerInput: func(e *kernel.Event) any {
			fmt.Println(e.Args[0])
			return nil
		},
		// End of file is the end of <SOCK>; anything else is an error.
		ServerError: func(e *kernel.Event) any {
			if e.Args[1] != 0 {
				fmt.Fprintf(os.Stderr, "%v: %v\n", e.Args[0], e.Args[2])
				status = 1
			}
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "daytime-tcp-client:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "daytime-tcp-client:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
