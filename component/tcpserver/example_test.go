package tcpserver_test

import (
	"fmt"
	"strings"

	"github.com/seed02617006/poe/component/tcpclient"
	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// The rot13 server of POE::Component::Server::TCP's SYNOPSIS, with a
// client that says one line and leaves; the server shuts down after it.
func Example() {
	k := kernel.New()
	srv, err := tcpserver.New(tcpserver.Options{
		Kernel: k,
		Port:   0, // any free port
		ClientConnected: func(e *kernel.Event) any {
			fmt.Println("got a connection from", e.Heap["remote_ip"])
			e.Heap["client"].(*wheel.ReadWrite).Put("Smile from the server!")
			return nil
		},
		ClientInput: func(e *kernel.Event) any {
			line := strings.Map(func(r rune) rune {
				switch {
				case r >= 'a' && r <= 'z':
					return 'a' + (r-'a'+13)%26
				case r >= 'A' && r <= 'Z':
					return 'A' + (r-'A'+13)%26
				}
				return r
			}, e.Args[0].(string))
			e.Heap["client"].(*wheel.ReadWrite).Put(line)
			return nil
		},
		ClientDisconnected: func(e *kernel.Event) any {
			fmt.Println("client left")
			e.Kernel.Post(e.Session.Parent(), "shutdown") // the server's
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	tcpclient.New(tcpclient.Options{
		Kernel:     k,
		RemotePort: srv.Port(),
		ServerInput: func(e *kernel.Event) any {
			fmt.Println("from server:", e.Args[0])
			if e.Args[0] == "Smile from the server!" {
				e.Heap["server"].(*wheel.ReadWrite).Put("Hello, world")
			} else {
				e.Kernel.Yield("shutdown")
			}
			return nil
		},
	})
	if err := k.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// got a connection from 127.0.0.1
	// from server: Smile from the server!
	// from server: Uryyb, jbeyq
	// client left
}
