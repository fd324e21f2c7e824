// Package identserver is POE::Component::Server::Ident 1.18: an identd
// (RFC 1413) whose answers come from the sessions that register with it.
//
// # Usage
//
// The original's SYNOPSIS, in Go (examples/ident-server is the whole
// program):
//
//	identserver.Spawn(identserver.Options{Alias: "Ident-Server"})
//	session.Create(session.Options{InlineStates: kernel.States{
//		"_start": func(e *kernel.Event) any {
//			e.Kernel.Post("Ident-Server", "register")
//			return nil
//		},
//		"identd_request": func(e *kernel.Event) any {
//			peeraddr, port1, port2 := e.Args[0].(string), e.Args[1].(int), e.Args[2].(int)
//			_, _, _ = peeraddr, port1, port2
//			e.Kernel.Call(e.Sender, "ident_server_reply", "OTHER", "ABCDE12345")
//			return nil
//		},
//	}})
//	kernel.Run()
//
// # Events
//
// In: register and unregister (no arguments: the SENDER is the session
// concerned), shutdown (the listener and every connection close), and,
// sent to the SENDER of identd_request (the connection's session, not the
// component's alias), ident_server_reply (opsys, userid) and
// ident_server_error (token).
//
// Out: identd_request (peerAddr string, port1, port2 int) to every
// registered session, by Call, in the order of their session IDs; and
// Options.DropEvent (peerAddr, peerPort) when Options.Dropper closes a
// connection.
//
// A registered session is kept alive (by a reference count) until it
// unregisters or the component shuts down, as in the original.
//
// # Protocol
//
// A query is "port1 , port2": two decimal ports in 1..65535, leading
// zeros allowed, blanks and tabs around each, ended by CR LF or LF alone,
// at most 1000 characters. The answer echoes the ports (as plain
// decimals):
//
//	6191 , 23 : USERID : UNIX : stjohns
//	6191 , 23 : USERID : OTHER : ABCDE12345
//	6195 , 23 : ERROR : NO-USER
//	0 , 0 : ERROR : INVALID-PORT          (a line that is not a port pair)
//	0 , 70000 : ERROR : INVALID-PORT      (numbers out of range, echoed)
//
// A line over 1000 characters (or 100 KB without a newline) closes the
// connection without an answer, which RFC 1413 permits. ident_server_reply
// answers with USERID: an empty opsys is UNIX; opsys must be RFC 1413
// tokens ("UNIX", "OTHER", "UNIX,UTF-8"); NUL, CR and LF are removed from
// the userid, which is cut to 512 octets; an invalid opsys or an empty
// userid gives ERROR : UNKNOWN-ERROR instead, so the reply is always one
// well-formed line. ident_server_error answers with ERROR: the token is
// upper-cased and must be INVALID-PORT, NO-USER, HIDDEN-USER,
// UNKNOWN-ERROR or an X-token (X and 1 to 63 token characters); anything
// else becomes UNKNOWN-ERROR.
//
// When no answer comes within 10 seconds, the server answers by itself:
// USERID with Default, or with 8 random letters when Random is set, else
// ERROR : HIDDEN-USER. Without Multiple the connection closes once the
// answer is written; with Multiple it stays for more queries until
// TimeOut passes without one. A client that half-closes after its query
// still gets its answer.
//
// # Bounds
//
// Each connection buffers at most one line of 1001 bytes (and the read
// chunk). With Multiple, at most 32 queries wait for answers and 16 KiB
// of answers wait for a client that does not read; past either the server
// stops reading that connection until they drain. Idle connections close
// after TimeOut.
//
// # Differences from the original
//
//   - BindAddr is honoured; the original passes it to SocketFactory
//     under a name that it ignores, so it always listens on INADDR_ANY.
//     Empty means 127.0.0.1 here (the original: INADDR_ANY): give
//     "0.0.0.0" or "::" to serve other hosts.
//   - BindPort 0 means the default, 113, because Go cannot tell it from
//     an absent option; AnyPort (-1) is the original's BindPort => 0.
//   - unregister works; the original deletes the session object from a
//     table keyed by IDs, so a session could never unregister.
//   - The default answer's timer is set before identd_request is sent
//     and cancelled by the answer. The original sets it after the
//     synchronous calls, so an answer given inside identd_request (the
//     SYNOPSIS's way) was followed 10 seconds later by a second, default
//     answer (with Multiple).
//   - With Multiple, unanswered queries wait in a queue and each answer
//     goes to the oldest; the original kept one port pair, so an answer
//     could carry another query's ports. Answers beyond the queries are
//     ignored (the original wrote a line for each).
//   - TimeOut out of 60..180 seconds is an error; the original takes
//     anything. TimeOut is a time.Duration.
//   - ident_server_error accepts X-tokens (RFC 1413 §5); the original
//     turns them into UNKNOWN-ERROR. Replies never carry CR, LF or NUL
//     from a userid, nor an opsys that breaks the grammar; the original
//     writes them as given, so a userid could inject lines.
//   - Queries may end in LF alone (the original: CR LF only); white space
//     is blanks and tabs (the original: Perl's \s). Lines over 1000
//     characters close the connection (the original buffers any length).
//   - Spawn returns the error of listening (a port in use) and of a taken
//     Alias; the original warns and shuts down. A failing accept (EMFILE)
//     does not shut the server down, as it did in the original; the
//     listener backs off and tries again.
//   - Random answers are 8 letters from math/rand/v2 (the original
//     seeds Perl's rand with the session ID times the PID).
//   - Dropper and DropEvent are new: a flood dropper
//     (component/dropper's RunConn) runs before a connection gets a
//     session.
//   - Getsockname returns (addr, port) instead of a packed address.
package identserver
