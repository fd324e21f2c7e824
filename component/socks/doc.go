// Package socks is POE::Component::Proxy::SOCKS: a SOCKS 4 and 4a proxy
// server that runs as a POE session and talks to its users only by
// events. It serves CONNECT and BIND, refuses clients by address
// (netmask blocks, denied unless exempt), can check a client's identity
// with its identd (RFC 1413, through component/identclient), and relays
// data both ways with flow control.
//
// # Usage
//
// The original's SYNOPSIS, in Go (examples/socks-proxy is the whole
// program):
//
//	session.Create(session.Options{InlineStates: kernel.States{
//		"_start": func(e *kernel.Event) any {
//			srv, err := socks.Spawn(socks.Options{Alias: "socksd", Kernel: e.Kernel})
//			if err != nil {
//				log.Fatal(err)
//			}
//			e.Heap["socksd"] = srv
//			return nil
//		},
//		"socksd_registered": func(e *kernel.Event) any {
//			srv := e.Args[0].(*socks.Server)
//			srv.AddDenial(netmask.MustNew2("any"))
//			srv.AddExemption(netmask.MustNew2("127.0.0.1"))
//			srv.AddExemption(netmask.MustNew2("192.168.1.0/24"))
//			return nil
//		},
//		"_default": func(e *kernel.Event) any {
//			fmt.Println(e.Args[0], e.Args[1]) // every socksd_ event
//			return 0
//		},
//	}})
//	kernel.Run()
//
// # The protocol
//
// SOCKS 4 (the NEC protocol document) and its 4a extension, as served here.
// A client connects to the server and sends a request:
//
//	+----+----+----+----+----+----+----+----+----+----+....+----+
//	| VN | CD | DSTPORT |      DSTIP        | USERID       |NULL|
//	+----+----+----+----+----+----+----+----+----+----+....+----+
//	   1    1      2              4           variable       1
//
// VN is 4; CD is 1 for CONNECT and 2 for BIND; DSTPORT and DSTIP (network
// byte order) name the destination; USERID is a string ended by a NUL.
// SOCKS 4a lets a client that cannot resolve a name send DSTIP 0.0.0.x
// with x not zero (an address no host has) and put the host name, ended by
// another NUL, after the USERID; the server resolves it. The server
// answers with eight bytes:
//
//	+----+----+----+----+----+----+----+----+
//	| VN | CD | DSTPORT |      DSTIP        |
//	+----+----+----+----+----+----+----+----+
//	   1    1      2              4
//
// VN is 0; CD is 90 (request granted), 91 (rejected or failed), 92
// (rejected because the server cannot reach the client's identd) or 93
// (rejected because identd reports another user-id than USERID). After
// a rejection the server closes the connection.
//
// CONNECT: the server connects to DSTIP:DSTPORT and replies once the
// connection is made or has failed; from then on it relays bytes both
// ways. BIND is for protocols where the application server connects back
// (FTP's data connection): the client, which already has a CONNECT
// tunnel to the application server, sends BIND with that server's address;
// the server listens and replies at once with the address and port it
// listens on, which the client passes to the application server; when that
// server connects, the server sends a second reply, 90 when the connection
// comes from DSTIP and 91 (then closing both) when it comes from anywhere
// else, and relays. A request not answered within two minutes is
// rejected. With ident checking, the server asks the identd on the
// client's host (port 113) who owns the client's connection and rejects
// with 92 or 93 as above.
//
// Here, replies carry real values: for CONNECT the destination's address
// (a 4a name resolved) and port, for BIND the listening address and then
// the application server's address and port. USERID and the 4a host name
// may have at most 255 bytes (MaxField); DSTIP 0.0.0.0, unknown versions
// and commands, and fields too long or not ended are rejected with 91.
//
// # Events
//
// Events in, posted to the alias or SessionID:
//
//   - register (names...): the sender gets the named events ("all", or
//     names with or without the socksd_ prefix) and socksd_registered. A
//     registered session is kept alive until it unregisters everything or
//     the server shuts down.
//   - unregister (names...): the opposite.
//   - shutdown: see Server.Shutdown.
//
// Events out, to the registered sessions, with the original's arguments
// (IDs are UUID strings, addresses strings, ports ints):
//
//   - socksd_registered (server *Server)
//   - socksd_denied (ip, port): a client refused by the access lists.
//   - socksd_dropped (ip, port): a client the Dropper refused.
//   - socksd_connection (clientID, peerAddr, peerPort, sockAddr, sockPort)
//   - socksd_rejected (clientID, code, reason)
//   - socksd_listener_failed (op, errnum, errstr)
//   - socksd_disconnected (clientID)
//   - socksd_dns_lookup (clientID, hostname, ip)
//   - socksd_sock_up (clientID, linkID, dstIP, dstPort)
//   - socksd_bind_up (clientID, listenerID, ip, port)
//   - socksd_sock_down (clientID, linkID, errstr)
//
// Every client that got socksd_connection gets exactly one
// socksd_disconnected; every socksd_sock_up or socksd_bind_up is followed by
// one socksd_sock_down, whose errstr is "" for a tunnel whose two sides
// closed, "timeout", "shutdown", or the error that ended it.
//
// # Flow control and limits
//
// Each side of a tunnel is a wheel.ReadWrite with a high-water mark of
// 256 KiB: when one side's output reaches it, the other side's input is
// paused until the output has drained to 64 KiB, so a slow reader holds a
// fast writer to its pace and a tunnel buffers at most about 256 KiB plus
// two read chunks per direction. A half-close is passed on: when one side
// has sent everything (EOF), the other side's write half is shut down
// after the data before it, and the tunnel closes when both have.
// TimeOut closes a tunnel with no traffic either way; EstablishTimeOut
// rejects a client whose request has not been granted in time. A request
// is read until complete (a client may send it in pieces); what the
// client sends after it, before the reply, is kept (up to 64 KiB, then
// reading pauses) and sent on once the tunnel is up, and so is an EOF:
// a client that half-closes after its request still gets its reply and
// its tunnel. A client that stops sending in the middle of a request is
// rejected (91); one that resets its connection is dropped at once.
//
// # Goroutines
//
// The server's state belongs to its session. Identd lookups, 4a lookups
// and connects run in goroutines the server owns and waits for when its
// session stops; they post their results to the session and end when the
// client goes (their context is cancelled). The access-list methods take
// a lock, so handlers of other sessions and other goroutines may call them
// while the server runs.
//
// # Differences from the original
//
// Bugs of the original that are fixed:
//
//   - A request is buffered until it is complete. The original parsed
//     each read as a whole request, so a request split across TCP
//     segments was refused or misread.
//   - Short or malformed input (one byte, a SOCKS 5 greeting, an
//     unknown command, a field without its NUL) gets a 91 reply and a
//     close, never a crash of the server.
//   - Shutdown closes the connections to destinations (and BIND
//     listeners) too, not only the clients' connections.
//   - An identd answer that matches USERID lets the request proceed.
//   - Ident and the 4a lookup run one after the other (ident first), so a
//     client rejected by one is never acted on by the other; the
//     original ran them at once.
//   - Replies carry the destination's address and port (see above).
//   - Data sent right after the request is relayed after the reply.
//   - A half-close is relayed in each direction, and the idle time-out
//     counts traffic both ways.
//   - Once a tunnel is up, its bytes do not pass through the session:
//     each side's ReadWrite forwards its input straight to the other's
//     output (wheel.ReadWrite.Forward; spliced between the sockets on
//     Linux), without an event per chunk. EOF and errors still come as
//     events. The idle time-out samples the forwarded byte counts at
//     least every quarter of TimeOut, so a silent tunnel closes between
//     TimeOut and 1.25 TimeOut after its last byte. A stalled side holds
//     at most two reads (128 KiB each) of the other.
//
// Other differences:
//
//   - Address defaults to 127.0.0.1 (the original: every interface).
//     Port 0 means 1080, as the original's `port || 1080`; AnyPort lets
//     the system choose, and Server.Port tells which.
//   - Client, link and listener IDs are UUID strings.
//   - EstablishTimeOut, Resolver, Dialer, Dropper (with socksd_dropped)
//     and IdentLookup are additions. The default Dialer, like the
//     listener, leaves TCP keep-alive off, as the original's sockets.
//   - A failure to bind or listen shuts the server down after
//     socksd_listener_failed; a failed accept is retried.
//   - Shutdown reports socksd_sock_down and socksd_disconnected for what
//     it closes. BIND's accepted connection is announced with
//     socksd_sock_up, under the listener's ID.
//   - An identd ERROR answer (NO-USER, HIDDEN-USER ...) is a 93: identd
//     answered and did not confirm USERID. A refused, timed-out or broken
//     lookup is a 92.
//   - After a rejection the server keeps reading (and discarding) for up
//     to two seconds, until the client closes, so that the reply is not
//     lost to a connection reset.
//   - A 4a name is resolved preferring IPv4; a destination reached over
//     IPv6 is reported as 0.0.0.0 in the reply, which has room for IPv4
//     only.
package socks
