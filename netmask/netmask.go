package netmask

import (
	"encoding/binary"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
)

// Netmask is one CIDR block of IPv4 or IPv6 addresses: a Net::Netmask
// object. Its base address is always the first address of the block, as
// Net::Netmask masks the host bits away when it parses.
//
// A Netmask is immutable, so any goroutine may use one at any time. Obtain
// one from New2, New2WithOptions, New2Mask or FromPrefix; the zero value is
// not a valid block.
type Netmask struct {
	p netip.Prefix // masked; p.Addr() is never an IPv4-mapped IPv6 address unless parsed as IPv6
}

// FromPrefix returns the block of p, with p's host bits cleared. It returns
// nil for an invalid prefix. A zone on p's address is dropped. Any goroutine
// may call it.
func FromPrefix(p netip.Prefix) *Netmask {
	if !p.IsValid() {
		return nil
	}
	a := p.Addr().WithZone("")
	return &Netmask{p: netip.PrefixFrom(a, p.Bits()).Masked()}
}

// Prefix returns the block as a netip.Prefix with its host bits cleared.
func (n *Netmask) Prefix() netip.Prefix { return n.p }

// Protocol returns "IPv4" or "IPv6", as Net::Netmask's protocol method.
func (n *Netmask) Protocol() string {
	if n.p.Addr().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// Bits returns the prefix length: Net::Netmask's bits.
func (n *Netmask) Bits() int { return n.p.Bits() }

// Base returns the first address of the block in Net::Netmask's text form
// (see String for IPv6): Net::Netmask's base.
func (n *Netmask) Base() string { return addrText(n.p.Addr()) }

// First returns the first address of the block; it is Base, as Net::Netmask's
// first is an alias of base.
func (n *Netmask) First() string { return n.Base() }

// Last returns the last address of the block (the broadcast address for
// IPv4): Net::Netmask's last and broadcast.
func (n *Netmask) Last() string { return addrText(n.lastAddr()) }

// Mask returns the netmask as an address: "255.255.255.0" for an IPv4 /24,
// "ffff:ffff:ffff:ffff::" for an IPv6 /64. It is Net::Netmask's mask.
func (n *Netmask) Mask() string { return addrText(maskAddr(n.p.Addr().Is4(), n.p.Bits(), false)) }

// Hostmask returns the inverse of Mask, as Cisco access lists write it:
// "0.0.0.255" for an IPv4 /24. It is Net::Netmask's hostmask.
func (n *Netmask) Hostmask() string {
	return addrText(maskAddr(n.p.Addr().Is4(), n.p.Bits(), true))
}

// Size returns the number of addresses in the block, 2^(32-bits) or
// 2^(128-bits). It is a big.Int because an IPv6 /0 holds 2^128 addresses.
// The caller owns the result.
func (n *Netmask) Size() *big.Int {
	return new(big.Int).Lsh(big.NewInt(1), uint(n.p.Addr().BitLen()-n.p.Bits()))
}

// String returns "base/bits", Net::Netmask's desc (and its stringification):
// "10.0.0.0/8", "2001:db8::/32". IPv6 addresses are written as Net::Netmask
// writes them: lower case, no leading zeros, and the leftmost longest run of
// zero groups, even a single one, replaced by "::".
func (n *Netmask) String() string {
	if n == nil {
		return "<nil>"
	}
	return n.Base() + "/" + strconv.Itoa(n.p.Bits())
}

// Match reports whether the address addr lies inside the block. addr is
// parsed with netip.ParseAddr; text it cannot parse matches nothing. An
// IPv4 address never matches an IPv6 block nor the reverse, IPv4-mapped
// IPv6 addresses included, as in Net::Netmask's match.
func (n *Netmask) Match(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	return n.MatchAddr(a)
}

// MatchAddr reports whether a lies inside the block. A zone on a is
// ignored; the invalid Addr matches nothing.
func (n *Netmask) MatchAddr(a netip.Addr) bool {
	return n.p.Contains(a.WithZone(""))
}

// Contains reports whether other lies entirely inside n (a block contains
// itself). Blocks of different protocols never contain each other. It is
// Net::Netmask's contains.
func (n *Netmask) Contains(other *Netmask) bool {
	if other == nil {
		return false
	}
	return n.p.Bits() <= other.p.Bits() && n.p.Contains(other.p.Addr())
}

// Equal reports whether n and other are the same block: Net::Netmask's
// sameblock.
func (n *Netmask) Equal(other *Netmask) bool {
	return other != nil && n.p == other.p
}

// Compare orders blocks as Net::Netmask's sort_network_blocks does: IPv4
// before IPv6, then by base address, then by bits (a shorter prefix first).
// It returns -1, 0 or +1.
func (n *Netmask) Compare(other *Netmask) int {
	a, b := n.p.Addr(), other.p.Addr()
	if a.Is4() != b.Is4() {
		if a.Is4() {
			return -1
		}
		return 1
	}
	if c := a.Compare(b); c != 0 {
		return c
	}
	switch {
	case n.p.Bits() < other.p.Bits():
		return -1
	case n.p.Bits() > other.p.Bits():
		return 1
	}
	return 0
}

func (n *Netmask) lastAddr() netip.Addr {
	a := n.p.Addr()
	h := maskAddr(a.Is4(), n.p.Bits(), true)
	if a.Is4() {
		x, y := a.As4(), h.As4()
		for i := range x {
			x[i] |= y[i]
		}
		return netip.AddrFrom4(x)
	}
	x, y := a.As16(), h.As16()
	for i := range x {
		x[i] |= y[i]
	}
	return netip.AddrFrom16(x)
}

// maskAddr returns the netmask of a bits-long prefix as an address, or its
// inverse (the hostmask) when host is true.
func maskAddr(v4 bool, bits int, host bool) netip.Addr {
	if v4 {
		m := v4Mask(bits)
		if host {
			m = ^m
		}
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], m)
		return netip.AddrFrom4(b)
	}
	hi, lo := v6Mask(bits)
	if host {
		hi, lo = ^hi, ^lo
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return netip.AddrFrom16(b)
}

// v4Mask returns the IPv4 netmask of a bits-long prefix, 0 <= bits <= 32.
func v4Mask(bits int) uint32 {
	if bits == 0 {
		return 0
	}
	return ^uint32(0) << (32 - bits)
}

// v6Mask returns the two halves of the IPv6 netmask of a bits-long prefix.
func v6Mask(bits int) (hi, lo uint64) {
	switch {
	case bits == 0:
		return 0, 0
	case bits <= 64:
		return ^uint64(0) << (64 - bits), 0
	case bits == 128:
		return ^uint64(0), ^uint64(0)
	}
	return ^uint64(0), ^uint64(0) << (128 - bits)
}

// addrText writes a as Net::Netmask's int2ascii does. IPv4 is the usual
// dotted quad. IPv6 follows ipv6Cannonical, which differs from RFC 5952
// (and from netip.Addr.String) in one way: a lone zero group is also
// compressed, so 1:0:2:3:4:5:6:7 is written 1::2:3:4:5:6:7.
func addrText(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	var g [8]uint16
	for i := range g {
		g[i] = binary.BigEndian.Uint16(b[2*i:])
	}
	// The leftmost longest run of zero groups, of any length.
	start, length := -1, 0
	for i := 0; i < 8; {
		if g[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i > length {
			start, length = i, j-i
		}
		i = j
	}
	var sb strings.Builder
	sb.Grow(39)
	for i := 0; i < 8; i++ {
		if i == start {
			sb.WriteString("::")
			i += length - 1
			continue
		}
		if i > 0 && i != start+length {
			sb.WriteByte(':')
		}
		sb.WriteString(strconv.FormatUint(uint64(g[i]), 16))
	}
	return sb.String()
}
