// Package tcpserver is POE::Component::Server::TCP: a listening session
// that accepts connections and gives each one a session of its own, with a
// ReadWrite wheel in its heap and the user's callbacks as its handlers.
//
// # Usage
//
// POE's rot13 server from the component's SYNOPSIS:
//
//	tcpserver.New(tcpserver.Options{
//		Port: 12345,
//		ClientConnected: func(e *kernel.Event) any {
//			fmt.Println("got a connection from", e.Heap["remote_ip"])
//			e.Heap["client"].(*wheel.ReadWrite).Put("Smile from the server!")
//			return nil
//		},
//		ClientInput: func(e *kernel.Event) any {
//			line := rot13(e.Args[0].(string))
//			e.Heap["client"].(*wheel.ReadWrite).Put(line)
//			return nil
//		},
//	})
//	kernel.Run()
//
// # Sessions, heaps and events
//
// The listening session (Server.Session, the one Alias names) keeps in
// its heap "listener" (the *wheel.SocketFactory), "alias", "concurrency"
// and "connections". It handles these events, POE's:
//
//   - "shutdown": stop listening and drop the alias. Connections go on;
//     the session ends after the last one. Server.Shutdown posts it.
//   - "set_concurrency" (n): a new bound; -1 for none, 0 to accept
//     nothing until the next set_concurrency.
//   - "disconnected": a connection has ended. The connection sessions
//     send it themselves; an Acceptor's sessions must, for Concurrency.
//
// Each connection session's heap has "client" (the *wheel.ReadWrite),
// "remote_ip" (text, or "LOCAL" for a Unix socket), "remote_port" (int),
// "remote_addr" (the net.Addr), "shutdown" (bool), "shutdown_on_error"
// (bool) and, after an error, "got_an_error". Its events are the user's
// InlineStates and ObjectStates, POE's internal tcp_server_got_* events,
// and "shutdown": ignore further input, write what was put, then close
// the connection (at once after an error). ClientInput handlers usually
// Put a goodbye and Yield("shutdown").
//
// Connection sessions are children of the listening session. Everything
// runs in the kernel's handlers, so callbacks need no locks.
//
// # Differences from POE
//
//   - Options is a struct; New returns a *Server (POE: the listening
//     session's ID, which is Server.SessionID) and an error for options
//     POE croaks on, including InlineStates or ObjectStates that name
//     the component's own events (POE checks that only under
//     ASSERT_USAGE). A failure to listen still goes to Error.
//   - Address defaults to the loopback address, 127.0.0.1 or ::1, where
//     POE binds to INADDR_ANY; give "0.0.0.0" or "::" to listen on
//     every interface. Domain is "inet", "inet6" or "unix".
//   - Concurrency 0 means no bound, as -1 (the zero value must be POE's
//     default, -1); to start with accepting paused, call
//     "set_concurrency" with 0 from Started. ClientShutdownOnError is a
//     *bool whose nil is POE's true.
//   - Filters are prototypes: each connection gets ClientFilter.Clone()
//     (POE: a class name, [class, args] or an object to clone).
//   - ClientPreConnect returns the io.ReadWriter to use, or nil to
//     refuse the connection.
//   - Fixed bugs of the original: set_concurrency -1 now resumes a
//     paused listener (POE leaves it paused); "remote_addr" is set (POE
//     documents it but never sets it); ClientDisconnected is called
//     exactly once for every connection ClientConnected saw, even when
//     the session ends without a "shutdown" (POE then never calls it);
//     and the client's EOF no longer throws away the replies already
//     put but not yet written: only a real error closes the connection
//     without flushing.
//   - Dropper and DropEvent are additions: a flood dropper
//     (component/dropper) sees each connection before a session is made.
//   - SessionType and PackageStates are not offered (Go has no packages
//     as objects; use ObjectStates). SessionParams is the "options" map
//     of session.Options.
//   - Dropped connections are seen in the listening session's handler,
//     as they are accepted: the wheels' accept loop has no drop hook
//     (the UDP wheel's has), and while the server is paused at its
//     Concurrency bound nothing is accepted, flooders included.
package tcpserver
