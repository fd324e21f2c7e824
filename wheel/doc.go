// Package wheel holds POE's wheels: SocketFactory, ReadWrite,
// ListenAccept, UDP, Run and FollowTail.
//
// A wheel is made in a handler with the session's kernel view (e.Kernel)
// and belongs to that session: its constructor registers it with
// Kernel.HandleAdd (so it keeps the session alive) and adds its internal
// events with Kernel.State. Its goroutines block on the socket, file or
// process and post those internal events to the session; filters and the
// user's events run in the session's handlers. Close (or Heap.Delete of
// the key that holds it, or the session's stop) stops its goroutines,
// closes its descriptors and lets the session be collected.
//
// # Usage
//
// POE's line echo server, in Go:
//
//	session.Create(session.Options{InlineStates: kernel.States{
//		"_start": func(e *kernel.Event) any {
//			f, err := wheel.NewSocketFactory(e.Kernel, wheel.SocketFactoryOptions{
//				BindPort: 12345, Reuse: true,
//				SuccessEvent: "got_client", FailureEvent: "got_error",
//			})
//			if err != nil {
//				return err
//			}
//			e.Heap["listener"] = f
//			e.Heap["clients"] = map[int]*wheel.ReadWrite{}
//			return nil
//		},
//		"got_client": func(e *kernel.Event) any {
//			w, _ := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
//				Handle:     e.Args[0].(net.Conn), // a filter.Line by default
//				InputEvent: "got_line", ErrorEvent: "got_client_error",
//			})
//			e.Heap["clients"].(map[int]*wheel.ReadWrite)[w.ID()] = w
//			return nil
//		},
//		"got_line": func(e *kernel.Event) any {
//			line, id := e.Args[0].(string), e.Args[1].(int)
//			e.Heap["clients"].(map[int]*wheel.ReadWrite)[id].Put(line)
//			return nil
//		},
//		"got_client_error": func(e *kernel.Event) any {
//			// op, errnum, errstr, id; errnum 0 on "read" is EOF.
//			clients := e.Heap["clients"].(map[int]*wheel.ReadWrite)
//			id := e.Args[3].(int)
//			clients[id].Close()
//			delete(clients, id)
//			return nil
//		},
//		"got_error": func(e *kernel.Event) any {
//			log.Printf("%s error %d: %s", e.Args[0], e.Args[1], e.Args[2])
//			e.Heap.Delete("listener")
//			return nil
//		},
//	}})
//	kernel.Run()
//
// # Events
//
// Event names and argument orders are POE's; the wheel's ID is always the
// last argument. Errors come as (op, errnum, errstr, wheelID) with POE's
// op names ("read", "write", "connect", "bind", "listen", "accept") and
// the errno values of Linux: errnum 0 with op "read" is EOF; a connect to
// a closed port is ECONNREFUSED (111, "Connection refused"), a port in
// use EADDRINUSE (98, "Address already in use"). Errno shows how a Go
// error becomes (errnum, errstr). Input records, accepted connections and
// connect results reach the session through Kernel.Call, synchronously,
// as POE's wheels call them.
//
// # Flow control
//
// A ReadWrite's reader never runs more than two chunks (of 4 to 64 KiB)
// ahead of its session: when the session is slow, the peer fills the
// system's socket buffer and waits, so memory stays bounded for a fast
// sender. Read buffers come from pools and go back as soon as the input
// filter has copied them; on a socket the reader waits for data before it
// takes one, so an idle connection holds no buffer. PauseInput stops
// reading (a read already under way completes; its records wait in the
// filter). Output is buffered without limit, as in POE; HighMark, LowMark
// and Put's result are how a producer keeps it bounded.
//
// # Writing
//
// What handlers put while the wheel's session handles a ReadWrite event
// (an input record, a flush, an error, for any of its wheels) is written
// when that event's handlers return, in one write per wheel,
// as POE writes once its handlers are back in the select loop. What other
// handlers put (timers, posted events) is written in an internal event of
// its own, so a handler's Puts still go out together. On a socket the
// session writes itself, without waiting: a wheel starts its writer
// goroutine only when the socket does not take everything at once (and
// always on other handles, which may block). When reads wait long in the
// kernel's queue (more than 50 microseconds), the kernel's goroutine is
// the bottleneck, and the replies to them are left to the writer
// goroutines, on other cores.
//
// Forward joins a wheel's input to another's output for relays: the
// reader hands each chunk straight to the destination, with no filter, no
// event and no copy (between two sockets on Linux, streams that fill
// their reads are moved with splice(2)). Accept loops take at most eight connections ahead of the
// session; PauseAccept stops them through the listener's deadline. UDP
// reads at most four datagrams ahead.
//
// # Goroutines
//
// Every method is for the handlers of the session that made the wheel.
// Close may also be called once the kernel has stopped. Close waits for
// the wheel's goroutines; they never block on the kernel (posting does
// not wait), nor on another wheel (a forwarding reader only writes what a
// socket takes without waiting), so Close cannot deadlock against them,
// even from the kernel's own teardown.
//
// # Differences from POE
//
//   - Handles are Go values: ReadWrite takes an io.ReadWriter (or an
//     io.Reader and an io.Writer), ListenAccept a net.Listener, and the
//     connections handed out are net.Conn. Addresses in events are
//     strings ("127.0.0.1", a Unix path) and ports ints, where POE gives
//     packed addresses; a Unix peer's port is 0 (POE: undef).
//   - A wheel owns its handles: Close closes them, which is what stops
//     the goroutine blocked on them. (POE's wheel only stops watching; the
//     handle closes when its last reference goes.) A terminal on standard
//     input cannot be interrupted, so Close does not wait for a reader
//     blocked on one. Output not yet written when a ReadWrite is closed is
//     lost, as in POE.
//   - SocketFactory listens on 127.0.0.1 (inet) or ::1 (inet6) when
//     BindAddress is empty; POE binds to INADDR_ANY. Give "0.0.0.0" or
//     "::" to listen everywhere. Reuse is a bool; without it SO_REUSEADDR
//     is off as in POE, although Go's own listeners turn it on. Ports are
//     numbers, not service names. ListenQueue is applied with a second
//     listen(2); outside Unix it is ignored. A datagram socket is handed
//     out as a net.PacketConn (*net.UDPConn, *net.UnixConn), a connected
//     one as a net.Conn. Option errors (unknown domain, type or protocol,
//     missing RemotePort) are returned by the constructor, where POE
//     croaks or yields FailureEvent; setup failures (bind, listen) are
//     FailureEvent as in POE. A Unix listener removes its socket file on
//     Close.
//   - A wheel that can do nothing more holds nothing, as POE's wheel with
//     no select left: a SocketFactory once it has connected or failed, a
//     ReadWrite whose input ended (EOF, error or ShutdownInput) and whose
//     output was shut down or failed. The session may then end without
//     Close; Close still releases the descriptors.
//   - ReadWrite: ShutdownOutput writes what was put before it, then
//     half-closes (POE shuts down at once and loses that output); a
//     separate OutputHandle is closed, which gives a pipe's reader EOF.
//     HighEvent comes when Put crosses HighMark (POE's put sets the state
//     without the event). A record the output filter refuses is reported
//     as ErrorEvent("write", EINVAL, ...) and dropped, where POE dies; a
//     filter's input error (a line over MaxLength) is ErrorEvent("read",
//     EMSGSIZE or EBADMSG, the filter's message) and reading goes on with
//     the next record. SetFilter outside an input handler dispatches the
//     records the new filter finds in an event of its own (POE: inside
//     set_filter). After a write error, Put discards. Driver and
//     AutoFlush are not offered; output is flushed as described under
//     Writing. Event is POE's event method; InputEvent can be renamed
//     there, not added or removed (PauseInput stops input). Forward and
//     ForwardedOctets are additions.
//   - SocketFactory leaves TCP keep-alive off on the connections it
//     accepts and makes, as POE does (Go turns it on by default).
//   - ListenAccept's AcceptEvent gets (conn, peerAddr, peerPort, wheelID),
//     like SocketFactory's SuccessEvent (POE: the packed peer address).
//     It has PauseAccept and ResumeAccept too.
//   - UDP (POE::Wheel::UDP, from CPAN): records are Datagram values and no
//     filter applies; a datagram is read whole, up to 64 KiB (POE: 1500
//     bytes). Put returns the bytes sent and the first error, where POE
//     dies. Addresses are IP literals. ErrorEvent, Drop and DropEvent are
//     additions, for reading errors and for a flood dropper
//     (component/dropper) that runs before the session is bothered.
package wheel
