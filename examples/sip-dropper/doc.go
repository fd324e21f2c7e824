// Command sip-dropper is Net::SIP::Dropper::ByIPPort's SYNOPSIS as a POE
// program: a UDP SIP responder whose flood dropper runs in the wheel's
// reader, before the session sees a packet.
//
// One session owns a wheel.UDP on -addr (127.0.0.1:5060). It answers
// REGISTER with 200 OK, as a registrar that keeps no bindings (Via with
// received/rport, From, To with a tag, Call-ID, CSeq, the Contacts with
// their expiry, Content-Length: 0), other requests with 501 Not
// Implemented, requests missing mandatory header fields with 400, and
// ACKs, responses and non-SIP datagrams with nothing.
//
// The dropper is configured as in the Perl SYNOPSIS:
//
//	my $drop_by_ipport = Net::SIP::Dropper::ByIPPort->new(
//		database => '/path/to/database.drop',
//		methods => [ 'REGISTER', '...', '' ],
//		attempts => 10,
//		interval => 60,
//	);
//
// with the database from -db, the methods from -methods (the SYNOPSIS's
// '...' spelled out as INVITE, SUBSCRIBE and OPTIONS; an empty item, the
// trailing comma, is ” for responses), 10 attempts in 60 seconds. It is
// plugged in as UDPOptions.Drop, where the Perl program puts
// Net::SIP::Dropper at the head of its ReceiveChain: a dropped datagram
// gets no answer and costs the session only a DropEvent, which logs it.
// With attempts 10, a peer (IP and port) gets 9 answers in a minute; the
// 10th packet, as in the original's `$count >= attempts`, is the first
// dropped, and it stays dropped while it keeps sending.
//
// The table is saved with SaveDB every -save (5s) from a kernel timer and
// at shutdown: SIGINT and SIGTERM are POE signals whose handler saves and
// stops the kernel. Restarted with the same -db, the program still drops
// the peers it dropped.
//
// # Usage
//
//	sip-dropper -addr 127.0.0.1:5060 -db /var/tmp/sip-dropper.drop
//
// Flags: -addr (an IP literal and port; port 0 picks a free one, which the
// "listening on" log line names), -db (database file, "" for memory only),
// -methods, -attempts (10), -interval (60s), -save (5s), and -drop=false
// to answer without the dropper. Every log line goes to standard error.
// To see it drop, send a REGISTER (register.sip, a REGISTER request with
// From, To, Call-ID and CSeq; sipsak adds the Via) from one fixed local
// port:
//
//	for i in $(seq 12); do
//		sipsak -S -l 40000 -H 127.0.0.1 -Z 50 -f register.sip -s sip:alice@127.0.0.1:5060
//	done
//
// The first nine runs get 200 OK (exit status 0); the later ones get no
// answer and time out (exit status 3), and the program logs each dropped
// packet.
//
// # Differences from the Perl program
//
//   - Net::SIP saves its database after every counted packet; this
//     program saves it on the timer and at shutdown, so a crash (not a
//     signal) loses up to -save of counts. The database is the dropper
//     package's JSON file, not a Storable one.
//   - The dropper runs in the UDP wheel's reader goroutine (UDPOptions.Drop)
//     rather than first in a Net::SIP::ReceiveChain; the effect is the
//     same, no processing and no answer, and the session pays only for the
//     DropEvent that logs the drop.
//   - The responder is a stateless registrar: it neither stores bindings
//     nor absorbs retransmissions (each one is answered again, and
//     counted again by the dropper, as Net::SIP's dropper counts them).
package main
