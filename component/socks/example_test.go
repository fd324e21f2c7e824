package socks_test

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/seed02617006/poe/component/socks"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func ExampleParseRequest() {
	// A SOCKS 4a CONNECT to localhost:80 for user "bob", and the first
	// bytes for the destination right behind it.
	in := []byte("\x04\x01\x00\x50\x00\x00\x00\x01bob\x00localhost\x00GET /")
	r, n, err := socks.ParseRequest(in)
	fmt.Println(r.Command, r.Port, r.UserID, r.Host, err)
	fmt.Printf("%q\n", in[n:])
	// Output:
	// 1 80 bob localhost <nil>
	// "GET /"
}

func ExampleSpawn() {
	// A destination: an echo server.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(c, c)
			c.Close()
		}
	}()
	dst := ln.Addr().(*net.TCPAddr).AddrPort()

	k := kernel.New()
	var srv *socks.Server
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			srv, _ = socks.Spawn(socks.Options{Kernel: e.Kernel, Port: socks.AnyPort})
			return nil
		},
		"socksd_registered": func(e *kernel.Event) any {
			fmt.Println("socksd_registered")
			me := e.Session
			go client(k, me, srv.Port(), dst) // a SOCKS client
			return nil
		},
		"client_done": func(e *kernel.Event) any {
			fmt.Println("client: reply", e.Args[0], "echo", e.Args[1])
			return nil
		},
		"socksd_disconnected": func(e *kernel.Event) any {
			fmt.Println("socksd_disconnected")
			srv.Shutdown()
			return nil
		},
		"_default": func(e *kernel.Event) any {
			if name := e.Args[0].(string); strings.HasPrefix(name, "socksd_") {
				fmt.Println(name)
			}
			return nil
		},
	}})
	k.Run()
	// Output:
	// socksd_registered
	// socksd_connection
	// socksd_sock_up
	// client: reply 90 echo hello
	// socksd_sock_down
	// socksd_disconnected
}

// client makes a CONNECT through the proxy at port, says hello, and tells
// session s what came back.
func client(k *kernel.Kernel, s *kernel.Session, port int, dst netip.AddrPort) {
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return
	}
	defer c.Close()
	req, _ := socks.AppendRequest(nil, socks.Request{
		Command: socks.CmdConnect, IP: dst.Addr(), Port: int(dst.Port()), UserID: "example",
	})
	c.Write(append(req, "hello"...))
	b := make([]byte, socks.ReplyLen+5)
	io.ReadFull(c, b)
	r, _ := socks.ParseReply(b)
	k.Outside().Post(s, "client_done", r.Code, string(b[socks.ReplyLen:]))
}
