// Command socks-proxy is the SYNOPSIS of POE::Component::Proxy::SOCKS,
// line for line: a SOCKS 4/4a proxy that denies every client but those
// from 127.0.0.1 and 192.168.1.0/24, and prints every event it is sent,
// as the Perl program's _default does.
//
//	go run ./examples/socks-proxy -addr 127.0.0.1:1080
//
// With port 0 the system chooses one. The address it listens on is
// written to standard error; standard output has the Perl program's
// lines only.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/seed02617006/poe/component/socks"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/netmask"
	"github.com/seed02617006/poe/session"
)

// program is Perl's package main: its subs are the session's states.
type program struct {
	address string
	port    int
}

func main() {
	addr := flag.String("addr", "127.0.0.1:1080", "address and port to listen on")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		fmt.Fprintf(os.Stderr, "socks-proxy: bad -addr %q\n", *addr)
		os.Exit(2)
	}
	if port == 0 {
		port = socks.AnyPort
	}
	prog := &program{address: host, port: port}

	// $|=1; — os.Stdout is not buffered.

	// POE::Session->create(
	//    package_states => [
	// 	'main' => [ qw(_start _default socksd_registered) ],
	//    ],
	// );
	_, err = session.Create(session.Options{
		ObjectStates: []session.ObjectStates{
			{Object: prog, Events: []string{"_start", "_default", "socksd_registered"}},
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	// $poe_kernel->run();
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// exit 0;
}

// Start is sub _start.
func (p *program) Start(e *kernel.Event) any {
	// $heap->{socksd} = POE::Component::Proxy::SOCKS->spawn( alias => 'socksd', ident => 0 );
	srv, err := socks.Spawn(socks.Options{
		Alias: "socksd", Ident: false,
		Address: p.address, Port: p.port, Kernel: e.Kernel,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	e.Heap["socksd"] = srv
	fmt.Fprintf(os.Stderr, "listening on %s\n", net.JoinHostPort(srv.Address(), strconv.Itoa(srv.Port())))
	return nil
}

// SocksdRegistered is sub socksd_registered.
func (p *program) SocksdRegistered(e *kernel.Event) any {
	socksd := e.Args[0].(*socks.Server)
	all := netmask.MustNew2("any")
	loopback := netmask.MustNew2("127.0.0.1")
	local := netmask.MustNew2("192.168.1.0/24")
	socksd.AddDenial(all)
	socksd.AddExemption(loopback)
	socksd.AddExemption(local)
	return nil
}

// Default is sub _default: it prints the event's name and its arguments,
// quoted, an array's items in brackets.
func (p *program) Default(e *kernel.Event) any {
	event, _ := e.Arg(0).(string)
	args, _ := e.Arg(1).([]any)
	output := []string{event + ": "}
	for _, arg := range args {
		switch a := arg.(type) {
		case []any:
			items := make([]string, len(a))
			for i, x := range a {
				items[i] = fmt.Sprint(x)
			}
			output = append(output, "["+strings.Join(items, " ,")+"]")
		case []string:
			output = append(output, "["+strings.Join(a, " ,")+"]")
		default:
			output = append(output, fmt.Sprintf("'%v'", a))
		}
	}
	// print STDOUT join ' ', @output, "\n";
	fmt.Fprint(os.Stdout, strings.Join(append(output, "\n"), " "))
	return 0
}
