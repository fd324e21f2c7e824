// Package identclient asks identd servers who owns a TCP connection
// (RFC 1413): a blocking Lookup, as Perl's Net::Ident, and the POE
// components POE::Component::Client::Ident (Client) and
// POE::Component::Client::Ident::Agent (Agent).
//
// # Blocking
//
// A server that accepted conn asks the identd on the peer's host:
//
//	r, err := identclient.Lookup(ctx, conn, 10*time.Second)
//	var er *identclient.ErrorReply
//	switch {
//	case errors.As(err, &er):
//		log.Printf("identd says %s", er.Token) // NO-USER, HIDDEN-USER ...
//	case err != nil:
//		log.Printf("no ident: %v", err) // refused, timeout, ErrMalformed ...
//	default:
//		log.Printf("%s user %s", r.OpSys, r.UserID)
//	}
//
// LookupWith takes the connection's two ends as netip.AddrPort values and
// lets a test point the query at another identd address or port.
//
// # Components
//
// The Client takes query events and answers the session that posted them:
//
//	identclient.Spawn(identclient.Options{Alias: "Ident-Client"})
//	...
//	e.Kernel.Post("Ident-Client", "query", identclient.AgentOptions{Socket: conn})
//	// or, as in Perl:
//	e.Kernel.Post("Ident-Client", "query", "PeerAddr", "10.0.0.1",
//		"PeerPort", 2345, "SockAddr", "192.168.1.254", "SockPort", 6669,
//		"BuggyIdentd", 1, "TimeOut", 30)
//
//	"ident_client_reply": func(e *kernel.Event) any {
//		ref, opsys, userid := e.Args[0].(*identclient.Ref), e.Args[1].(string), e.Args[2].(string)
//		...
//	},
//	"ident_client_error": func(e *kernel.Event) any {
//		ref, token := e.Args[0].(*identclient.Ref), e.Args[1].(string)
//		...
//	},
//
// An Agent is one query whose events (ident_agent_reply,
// ident_agent_error) go to the session that spawned it; Reference is
// handed back in the Ref, which is how POE::Component::Proxy::SOCKS uses
// it:
//
//	identclient.SpawnAgent(identclient.AgentOptions{
//		PeerAddr: peer, PeerPort: peerPort, SockAddr: sock, SockPort: sockPort,
//		BuggyIdentd: true, TimeOut: 10 * time.Second, Reference: connID,
//	})
//
// Reply events carry (ref *Ref, opsys, userid, charset); error events
// (ref *Ref, token, err): token is the identd's ERROR token, or
// UNKNOWN-ERROR for every other failure (refused, timeout, a malformed
// reply, a reply about another port pair, a connection closed without a
// reply); err is the Go error, an *ErrorReply for an identd's ERROR.
//
// # Replies
//
// A reply is one line of at most 1000 characters. Its port pair must be
// the one asked about. The user id is everything after the third colon,
// colons included, less its leading blanks and, unless the opsys is
// OTHER or a charset is named, its trailing blanks (Net::Ident's rules).
// Keywords are matched without regard to case. An ERROR token must be 1
// to 64 token characters.
//
// # Differences from the originals
//
//   - Event names are Client::Ident's (ident_client_reply,
//     ident_client_error) for the Client and Agent's (ident_agent_reply,
//     ident_agent_error) for the Agent, as in Perl. Reply events carry the
//     charset as an extra ARG3 (the original leaves it inside the opsys),
//     error events the Go error as an extra ARG2.
//   - Failures are "UNKNOWN-ERROR"; the original sends "UKNOWN-ERROR".
//   - A reply line over 1000 characters is an error at once; the
//     original buffers it until its timeout.
//   - TimeOut is a time.Duration (an int in name/value pairs counts
//     seconds); 0 means 30 s, a negative one is an error. The original's
//     check of the 5..30 s range is always true, and any value is used
//     here too.
//   - A query without a valid connection (addresses must be IP literals)
//     gets ident_client_error at once; the original croaks. SockAddr is
//     optional: without it the query goes out from any address.
//   - Client shutdown releases the references it held on requesters of
//     pending queries; the original keeps them, so those sessions never
//     end. Queries after shutdown get ident_client_error.
//   - A Client without Alias keeps itself alive with a reference count
//     until shutdown, as the original; Spawn fails when Alias is taken.
//   - Lookup is Net::Ident's lookup in Go terms (a context, a net.Conn);
//     it queries from the connection's local address, as Net::Ident does.
package identclient
