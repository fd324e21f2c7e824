package tcpclient_test

import (
	"fmt"
	"net"

	"github.com/seed02617006/poe/component/tcpclient"
	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// A client whose first server is not there: ConnectError sends it to
// another with the "connect" event, where it says hello and leaves.
func Example() {
	k := kernel.New()
	srv, err := tcpserver.New(tcpserver.Options{
		Kernel: k,
		ClientInput: func(e *kernel.Event) any {
			e.Heap["client"].(*wheel.ReadWrite).Put("you said: " + e.Args[0].(string))
			return nil
		},
		ClientDisconnected: func(e *kernel.Event) any {
			e.Kernel.Post(e.Session.Parent(), "shutdown")
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A port where nothing listens.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	_, err = tcpclient.New(tcpclient.Options{
		Kernel:     k,
		RemotePort: closed,
		ConnectError: func(e *kernel.Event) any {
			fmt.Printf("%s error %d (%s)\n", e.Args[0], e.Args[1], e.Args[2])
			e.Kernel.Yield("connect", "127.0.0.1", srv.Port())
			return nil
		},
		Connected: func(e *kernel.Event) any {
			fmt.Println("connected")
			e.Heap["server"].(*wheel.ReadWrite).Put("hello")
			return nil
		},
		ServerInput: func(e *kernel.Event) any {
			fmt.Println(e.Args[0])
			e.Kernel.Yield("shutdown")
			return nil
		},
		Disconnected: func(e *kernel.Event) any {
			fmt.Println("disconnected")
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := k.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// connect error 111 (Connection refused)
	// connected
	// you said: hello
	// disconnected
}
