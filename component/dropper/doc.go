// Package dropper drops packets from peers that send too many, a port of
// Perl's Net::SIP::Dropper::ByIPPort.
//
// A ByIPPort counts attempts per peer (IP address and port) and per second.
// When the attempts of a peer within Interval reach Attempts, Run reports
// that the packet must be dropped. Dropped packets count as attempts too,
// so a peer that keeps flooding stays dropped until it slows down. Counts
// recorded for port 0 of an address apply to every port of it, which is how
// a whole host is blocked. Methods restricts counting to some SIP requests
// and, with the empty name "", to responses.
//
// The package is a pure core: it starts no goroutine, sends no event and
// does no I/O except on its database file, so a UDP reader and a TCP accept
// loop can call it directly, from different goroutines.
//
// # Usage
//
// The Perl SYNOPSIS, in Go:
//
//	drop, err := dropper.NewByIPPort(dropper.ByIPPortOptions{
//		Database: "/path/to/database.drop",
//		Methods:  []string{"REGISTER", "...", ""},
//		Attempts: 10,
//		Interval: 60 * time.Second,
//	})
//	if err != nil {
//		return err // a bad option, an unusable path, a corrupt database
//	}
//
//	// A UDP SIP server's reader:
//	n, from, err := conn.ReadFromUDPAddrPort(buf)
//	if drop.Run(buf[:n], from) {
//		continue // no further processing, no answer
//	}
//
//	// A TCP server's accept loop (not SIP): one attempt per connection.
//	c, err := ln.Accept()
//	if drop.RunConn(c.RemoteAddr().(*net.TCPAddr).AddrPort()) {
//		c.Close()
//	}
//
//	// From a timer, and at shutdown:
//	if err := drop.SaveDB(); err != nil {
//		log.Print(err)
//	}
//
// Net::SIP::Dropper, which chains such callbacks, is not needed in Go: call
// the checks in turn, `if drop.Run(p, from) || byField(p) { continue }`.
//
// # Which packets count
//
// Without Methods every packet counts, whatever it holds. With Methods, Run
// reads the packet's first line (see ParseFirstLine): a request counts when
// its method is listed, a response when "" is listed. A packet that is not
// SIP at all (no valid Request-Line or Status-Line) is neither a request
// nor a response, so under Methods it neither counts nor is dropped, like
// a request of an unlisted method; the SIP parser after the dropper rejects
// it. As in the original, a packet that does not count is never dropped,
// even from a peer that is over its limit.
//
// # Time
//
// Attempts are counted per whole Unix second, as the original's time()
// does: the attempt made at second T counts at least until T + Interval
// rounded up to a whole second, and stops counting at that second. Old
// counters go at the next Run, Expire, Data or SaveDB; Run does not scan
// the table for them, it takes them from a heap by time. Now injects the
// clock. A clock set back only means the counters of the later seconds
// wait longer to expire.
//
// # Database
//
// The table survives restarts in the Database file, or through the Load
// and Save callbacks. The file is JSON, versioned and documented in db.go:
// {"format":"poe-dropper-byipport","version":1,"entries":[{"ip":...,
// "port":...,"time":...,"count":...},...]}. SaveDB replaces it atomically
// (temporary file in the same directory, fsync, rename, fsync of the
// directory), so a crash leaves the old table or the new one, never a torn
// file. NewByIPPort refuses a file it cannot read completely (ErrCorrupt):
// a corrupt database is never silently replaced by an empty table.
//
// # Memory
//
// MaxEntries (default DefaultMaxEntries) caps the counters, one per peer
// and second. When a new one would pass the cap, the oldest counter is
// forgotten: it is the one closest to expiry, and a flood of new peers
// cannot push the table past the cap. Such a flood can make the dropper
// forget older peers early, never grow without limit. The database file
// read at start is limited to 4 KiB plus 256 bytes per entry of MaxEntries.
//
// # Differences from Net::SIP::Dropper::ByIPPort
//
//   - The database is the JSON file above, not a Storable file, and a
//     Database written by Perl cannot be read. Storable's store writes the
//     file in place, so a crash could tear it; SaveDB cannot.
//   - The original saves the database after every counted packet and every
//     expiry. Run never writes it; the caller calls SaveDB (which writes
//     only when something changed), because a flood must not cost a file
//     write per packet. Changes since the last SaveDB are lost in a crash.
//   - The database callback called with or without a save flag becomes two
//     options, Load and Save; Save gets a copy of the table.
//   - data() hands out the live hash to edit; Data returns a copy, and Set
//     makes the edits (a count for a Key, 0 to remove it). Data expires old
//     counters first.
//   - Run takes the packet's bytes and the sender's netip.AddrPort instead
//     of a parsed Net::SIP::Packet, a leg and a hash; it reads the first line
//     itself, and only when Methods is set. RunConn is new.
//   - An empty Methods means every packet counts. The original's empty list
//     (methods => []) made nothing count.
//   - A missing or non-positive Attempts or Interval is an error wrapping
//     ErrConfig. The original dies with "Undefined subroutine croak" (it
//     calls croak without importing it) for a missing or zero one, and
//     accepts a negative Attempts, which drops every packet.
//   - A packet from port 0 counts the port-0 attempts once; the original
//     adds them twice.
//   - The original's table is unbounded and every packet scans all of it
//     to expire; here MaxEntries bounds it and expiry uses a heap.
//   - Addresses are keyed as netip.Addr values, IPv4-mapped IPv6 addresses
//     unmapped and zones removed, so one host is one peer whichever socket it
//     reached; the original keys by the address string it was given.
package dropper
