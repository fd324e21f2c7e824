// Package netmask is Perl's Net::Netmask 2.x on net/netip: IPv4 and IPv6
// blocks written the ways Net::Netmask reads them, matched against
// addresses, and kept in a table that finds the most specific block for an
// address. The SOCKS component's denial and exemption lists and the
// tutorial's allow table are built on it.
//
// # Usage
//
// The SOCKS seed denies everyone but the loopback address and the local
// network:
//
//	all, _ := netmask.New2("any")                 // Net::Netmask->new2('any')
//	loopback, _ := netmask.New2("127.0.0.1")      // ->new2('127.0.0.1')
//	local, _ := netmask.New2("192.168.1.0/24")    // ->new2('192.168.1.0/24')
//	denied := all.Match(peer) && !loopback.Match(peer) && !local.Match(peer)
//
// The tutorial's server keeps one table of allowed networks and looks up
// the block of each peer, then its rules by the block's desc:
//
//	var table netmask.Table
//	for mask := range allow {                  // Net::Netmask->new($mask)->storeNetblock
//		nm, err := netmask.New2(mask)
//		if err != nil {
//			log.Fatal(err)
//		}
//		table.Store(nm)
//	}
//	block := table.Fetch(peer)                 // fetchNetblock($peer)
//	if block == nil {
//		return false
//	}
//	rules := allow[block.String()]             // $allow{ $netblock->desc }
//
// New2 takes every form new2 takes (see New2 for the list); New2WithOptions
// adds the shortnet option and New2Mask the two-argument form new2($net,
// $mask). Blocks are immutable and a Table takes concurrent readers and
// writers, so an access list can be read by every connection while a user
// changes it.
//
// # Differences from Net::Netmask
//
// Each difference is either an error where Perl silently goes on, or
// something Go does better with a type. The differential test against
// Perl's module (perl_test.go, Debian package libnet-netmask-perl) checks
// that parsing, the accessors, Match on address text and the Table agree
// with Perl apart from the first four points below.
//
//   - The constructors return an error where new2 returns undef and sets
//     $Net::Netmask::error. New is New2: Perl's new returns, for text it
//     cannot parse, an object for 0.0.0.0/0 that matches every address,
//     which is why Net::Netmask 2 added new2.
//   - IPv6 text that new2 takes but that is not an address is rejected:
//     fewer than eight groups without "::" ("1:2:3", which Perl reads as
//     1:2:3::), more than eight ("1:2:3:4:5:6:7:8:9", Perl keeps the last
//     128 bits), a "::" standing for no group, ":::", a lone leading or
//     trailing colon, groups of five or more digits. Like new2, we reject
//     upper-case hex digits, embedded IPv4 ("::ffff:1.2.3.4") and zones.
//   - Perl has no single-string form with a space ("10.0.0.0 255.0.0.0" is
//     rejected by both); its two-argument form is New2Mask, which is
//     stricter than Perl's. The mask goes only with a plain IPv4 address
//     (Perl ignores it after a CIDR, a range or "any"); a hexadecimal mask
//     is "0x" and hex digits, nothing else (Perl's hex() reads " 0xff000000"
//     and "zz0x1" as 0, which makes 0.0.0.0/0); the mask "0" is an illegal
//     mask (Perl takes it as no mask, a false value).
//   - String, Net::Netmask's desc, writes the prefix length in decimal:
//     new2("10.0.0.0/08") is "10.0.0.0/8" where Perl's desc repeats "/08".
//     IPv6 addresses are written exactly as Perl writes them, which
//     differs from netip.Addr.String in one case: a lone zero group is
//     also shortened, "1::2:3:4:5:6:7" for 1:0:2:3:4:5:6:7.
//   - Match returns a bool, not the address's offset in the block. The
//     address is read by netip.ParseAddr, so upper-case and IPv4-embedded
//     IPv6 work, a zone is ignored, and text that is not an address matches
//     nothing (Perl reads it as address 0, which "any" matches).
//   - Contains is false between an IPv4 and an IPv6 block (Perl compares
//     their raw numbers, so "any" contains ::1).
//   - Size returns a *big.Int for both families.
//   - A Table is a value you make; there is no module-wide table behind
//     storeNetblock and findNetblock without a second argument. Table.Fetch
//     is findNetblock (and the tutorial's fetchNetblock, Net::Netmask 1's
//     name for it); Store, Delete and Blocks are storeNetblock,
//     deleteNetblock and dumpNetworkTable.
//   - Not ported: tag, nth, enumerate, inaddr, nextblock, split,
//     findOuterNetblock, findAllNetblock, range2cidrlist, the cidrs2*
//     functions, and the $SHORTNET_DEFAULT global (use Options.ShortNet).
package netmask
