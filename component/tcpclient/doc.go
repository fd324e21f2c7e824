// Package tcpclient is POE::Component::Client::TCP: one session that
// connects to a server with a SocketFactory, talks to it through a
// ReadWrite wheel, and reconnects when asked.
//
// # Usage
//
// The component's SYNOPSIS, against a local server:
//
//	tcpclient.New(tcpclient.Options{
//		RemoteAddress: "127.0.0.1",
//		RemotePort:    8080,
//		Connected: func(e *kernel.Event) any {
//			e.Heap["server"].(*wheel.ReadWrite).Put("HEAD /")
//			return nil
//		},
//		ServerInput: func(e *kernel.Event) any {
//			fmt.Println("from server:", e.Args[0])
//			return nil
//		},
//	})
//	kernel.Run()
//
// # Heap and events
//
// The session's heap has "server" (the *wheel.SocketFactory while
// connecting, then the *wheel.ReadWrite), "connected" and "shutdown"
// (bools), "shutdown_on_error" (true) and, after an error,
// "got_an_error". It handles POE's public events:
//
//   - "connect" (address, port): connect anew, to a new address and port
//     when they are given, which later reconnects use too.
//   - "reconnect": drop the connection, buffered input and output
//     included, and connect again to the current address.
//   - "shutdown": ignore further input, write what was put, then
//     disconnect (calling Disconnected) and drop the alias; the session
//     ends unless something reconnects it.
//
// A failed attempt calls ConnectError and, unless it reconnects, the
// session ends; a connection that ends calls ServerError (EOF is errnum 0)
// then shuts down, calling Disconnected. Reconnecting from either, with
// e.Kernel.Delay("reconnect", d), keeps a client going.
//
// # Differences from POE
//
//   - Options is a struct; New returns a *Client (POE: the session's ID,
//     which is Client.SessionID) and an error for options POE croaks on.
//     RemotePort is a number (POE also takes a service name).
//   - Filter is a prototype: each connection gets Filter.Clone() (POE: a
//     class name, [class, args] or an object to clone).
//   - PreConnect returns the io.ReadWriter to use, or nil to drop the
//     connection.
//   - ConnectTimeout is a time.Duration, and its ETIMEDOUT reaches
//     ConnectError with the attempt's wheel ID as ARG3.
//   - Fixed bugs of the original: "reconnect" forgets an earlier
//     connection's error (POE keeps got_an_error, so a later shutdown
//     would throw away output unwritten); the server's EOF no longer
//     throws away what was put but not yet written, only a real error
//     does; the default ServerError logs and leaves the shutdown to the
//     component (POE's yields a second "shutdown").
//   - SessionType and PackageStates are not offered (use ObjectStates);
//     SessionParams is the "options" map of session.Options.
package tcpclient
