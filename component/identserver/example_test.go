package identserver_test

import (
	"bufio"
	"fmt"
	"net"
	"strconv"

	"github.com/seed02617006/poe/component/identserver"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// The SYNOPSIS's shape, with a fixed answer and a client on this host.
func Example() {
	k := kernel.New()
	srv, err := identserver.Spawn(identserver.Options{Alias: "Ident-Server", BindPort: identserver.AnyPort, Kernel: k})
	if err != nil {
		fmt.Println(err)
		return
	}
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Post("Ident-Server", "register")
			return nil
		},
		"identd_request": func(e *kernel.Event) any {
			peeraddr, port1, port2 := e.Args[0].(string), e.Args[1].(int), e.Args[2].(int)
			fmt.Println("request from", peeraddr, "about", port1, port2)
			e.Kernel.Call(e.Sender, "ident_server_reply", "UNIX", "alice")
			return nil
		},
	}})
	done := make(chan error)
	go func() { done <- k.Run() }()

	host, port := srv.Getsockname()
	c, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err == nil {
		fmt.Fprint(c, "6191, 23\r\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Printf("%q\n", line)
		c.Close()
	}

	k.Outside().Post(srv.SessionID(), "shutdown")
	<-done
	// Output:
	// request from 127.0.0.1 about 6191 23
	// "6191 , 23 : USERID : UNIX : alice\r\n"
}
