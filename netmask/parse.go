package netmask

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"strings"
)

// Errors returned by the constructors, wrapped with the offending text.
// Match them with errors.Is.
var (
	// ErrSyntax reports text that is none of the forms new2 accepts.
	ErrSyntax = errors.New("netmask: could not parse")
	// ErrNetmask reports a dotted or hexadecimal netmask that is not a
	// run of ones followed by zeros.
	ErrNetmask = errors.New("netmask: illegal netmask")
	// ErrHostmask reports a Cisco hostmask (after '#') that is not a run of
	// zeros followed by ones.
	ErrHostmask = errors.New("netmask: illegal hostmask")
	// ErrBits reports a prefix length above 32 (IPv4) or 128 (IPv6).
	ErrBits = errors.New("netmask: illegal number of bits")
	// ErrRange reports an address range that is not exactly one block.
	ErrRange = errors.New("netmask: range is not exactly one block")
	// ErrMaskNotAllowed reports a separate mask given with text that is
	// not a plain IPv4 address.
	ErrMaskNotAllowed = errors.New("netmask: a separate mask goes only with a plain IPv4 address")

	// errNotForm tells parse that text is not of the form a helper reads,
	// so that the next form may be tried.
	errNotForm = errors.New("netmask: not this form")
)

// Options holds the named options of Net::Netmask's new2. The zero value is
// new2's default.
type Options struct {
	// ShortNet is new2's shortnet option: it also accepts IPv4 networks
	// written with fewer than four numbers, "10" (10.0.0.0/8), "10.1"
	// (10.1.0.0/16), "10.1.2" (10.1.2.0/24), and each of them followed by
	// "/bits".
	ShortNet bool
}

// New2 parses spec as Net::Netmask->new2($spec) does and returns its block,
// or an error wrapping one of the package's sentinel errors where new2
// returns undef. Any goroutine may call it.
//
// The accepted forms are:
//
//	any, default              0.0.0.0/0
//	any6, default6            ::/0
//	10.1.2.3                  10.1.2.3/32
//	10.1.2.0/24               CIDR; host bits are cleared: 10.1.2.3/24 is 10.1.2.0/24
//	10.1.2.0:255.255.255.0    netmask after ':' or '/'
//	10.1.2.0#0.0.0.255        Cisco hostmask after '#'
//	10.1.2.0-10.1.2.255       a range that is exactly one block (spaces allowed around '-')
//	2001:db8::/32, 2001:db8::1  IPv6 CIDR or address, lower-case hex only
//
// A number in a dotted quad has no leading zero ("010.0.0.1" is rejected,
// as Net::Netmask 2 does to avoid octal surprises); a prefix length may have
// them ("10.0.0.0/08"). As in Perl, one trailing newline is ignored except
// after the words any, default, any6 and default6.
func New2(spec string) (*Netmask, error) {
	return parse(spec, Options{})
}

// New2WithOptions is New2 with new2's named options, for example
// Net::Netmask->new2($spec, shortnet => 1). Any goroutine may call it.
func New2WithOptions(spec string, opts Options) (*Netmask, error) {
	return parse(spec, opts)
}

// New2Mask is the two-argument form Net::Netmask->new2($net, $mask): net is
// a plain IPv4 address and mask a dotted netmask ("255.255.0.0") or a
// hexadecimal one ("0xffff0000"). An empty mask means none, and New2Mask is
// then New2WithOptions(net, opts). Any goroutine may call it.
func New2Mask(net, mask string, opts Options) (*Netmask, error) {
	if mask == "" {
		return parse(net, opts)
	}
	base, ok := parseQuad(strings.TrimSuffix(net, "\n"))
	if !ok {
		return nil, fmt.Errorf("%w: %s with mask %s", ErrMaskNotAllowed, quote(net), quote(mask))
	}
	var m uint32
	if strings.HasPrefix(mask, "0x") || strings.HasPrefix(mask, "0X") {
		v, ok := parseHex(mask[2:])
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrNetmask, quote(mask))
		}
		m = v
	} else if m, ok = parseQuad(mask); !ok {
		return nil, fmt.Errorf("%w: %s", ErrNetmask, quote(mask))
	}
	b, ok := maskBits(m)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNetmask, quote(mask))
	}
	return v4Block(base, b), nil
}

// New is New2. Perl's new differs from new2 by returning, for text it cannot
// parse, an object for 0.0.0.0/0 that matches every address; New returns an
// error instead. Any goroutine may call it.
func New(spec string) (*Netmask, error) {
	return parse(spec, Options{})
}

// MustNew2 is New2 for constant text known to be valid. It panics if spec
// does not parse, which is a programmer error.
func MustNew2(spec string) *Netmask {
	n, err := New2(spec)
	if err != nil {
		panic(err)
	}
	return n
}

var (
	any4 = &Netmask{p: netip.PrefixFrom(netip.IPv4Unspecified(), 0)}
	any6 = &Netmask{p: netip.PrefixFrom(netip.IPv6Unspecified(), 0)}
)

// parse follows the branches of Net::Netmask::new for a single argument.
func parse(spec string, opts Options) (*Netmask, error) {
	// These four are compared with eq, so no trailing newline here.
	switch spec {
	case "any", "default":
		return any4, nil
	case "any6", "default6":
		return any6, nil
	}
	// Every other branch is a regular expression anchored with $, which
	// also matches just before a final newline.
	s := strings.TrimSuffix(spec, "\n")

	parts, n := scanDotted(s)
	rest := s[n:]
	var nm *Netmask
	err := errNotForm
	switch {
	case parts == 4:
		nm, err = parseV4(s[:n], rest)
	case parts >= 1 && parts <= 3 && opts.ShortNet:
		nm, err = parseShort(s[:n], parts, rest)
	}
	if err == errNotForm {
		nm, err = parseV6(s)
	}
	switch {
	case err == errNotForm:
		return nil, fmt.Errorf("%w: %s", ErrSyntax, quote(spec))
	case err != nil:
		return nil, fmt.Errorf("%w: %s", err, quote(spec))
	}
	return nm, nil
}

// parseV4 handles text that starts with four dot-separated numbers, quad.
// It returns errNotForm when rest fits none of the IPv4 forms.
func parseV4(quad, rest string) (*Netmask, error) {
	base, valid := parseQuad(quad)
	switch {
	case rest == "":
		// a.b.c.d
		if !valid {
			return nil, ErrSyntax
		}
		return v4Block(base, 32), nil
	case rest[0] == '/' && isDigits(rest[1:]):
		// a.b.c.d/n
		b, ok := parseBits(rest[1:], 32)
		if !ok {
			return nil, ErrBits
		}
		if !valid {
			return nil, ErrSyntax
		}
		return v4Block(base, b), nil
	case (rest[0] == '/' || rest[0] == ':') && isDottedQuad(rest[1:]):
		// a.b.c.d:m.m.m.m and a.b.c.d/m.m.m.m; the mask must be written
		// exactly as Net::Netmask writes masks (a lookup in %quadmask2bits).
		m, mok := parseQuad(rest[1:])
		b, bok := maskBits(m)
		if !mok || !bok {
			return nil, ErrNetmask
		}
		if !valid {
			return nil, ErrSyntax
		}
		return v4Block(base, b), nil
	case rest[0] == '#' && isDottedQuad(rest[1:]):
		// a.b.c.d#h.h.h.h, %quadhostmask2bits.
		m, mok := parseQuad(rest[1:])
		b, bok := maskBits(^m)
		if !mok || !bok {
			return nil, ErrHostmask
		}
		if !valid {
			return nil, ErrSyntax
		}
		return v4Block(base, b), nil
	}
	// a.b.c.d \s* - \s* e.f.g.h, the whois form.
	r := trimLeftPerlSpace(rest)
	if r == "" || r[0] != '-' {
		return nil, errNotForm
	}
	r = trimLeftPerlSpace(r[1:])
	if !isDottedQuad(r) {
		return nil, errNotForm
	}
	end, eok := parseQuad(r)
	if !valid || !eok {
		return nil, ErrSyntax
	}
	if end < base {
		return nil, ErrRange
	}
	size := uint64(end) - uint64(base) + 1 // a power of two, 1 to 2^32
	if size&(size-1) != 0 {
		return nil, ErrRange
	}
	b := 32 - (bits.Len64(size) - 1)
	if base&^v4Mask(b) != 0 {
		return nil, ErrRange
	}
	return v4Block(base, b), nil
}

// parseShort handles the shortnet forms: one to three numbers, with an
// optional /bits. The missing numbers are zeros and the default length is
// eight bits per number given.
func parseShort(dotted string, parts int, rest string) (*Netmask, error) {
	quad := dotted + strings.Repeat(".0", 4-parts)
	b := 8 * parts
	switch {
	case rest == "":
	case rest[0] == '/' && isDigits(rest[1:]):
		var bok bool
		if b, bok = parseBits(rest[1:], 32); !bok {
			return nil, ErrBits
		}
	default:
		return nil, errNotForm
	}
	base, valid := parseQuad(quad)
	if !valid {
		return nil, ErrSyntax
	}
	return v4Block(base, b), nil
}

// parseV6 handles new2's IPv6 forms, text matching
// ^[0-9a-f]*:[0-9a-f]*:[0-9a-f:]*(/[0-9]+)?$. Net::Netmask turns any such
// text into some address; we accept only what netip.ParseAddr accepts, so
// malformed text is rejected rather than misread.
func parseV6(s string) (*Netmask, error) {
	addr, bitsText, hasBits := strings.Cut(s, "/")
	if hasBits && !isDigits(bitsText) {
		return nil, errNotForm
	}
	colons := 0
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		switch {
		case c == ':':
			colons++
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		default:
			return nil, errNotForm
		}
	}
	if colons < 2 {
		return nil, errNotForm
	}
	b := 128
	if hasBits {
		var bok bool
		if b, bok = parseBits(bitsText, 128); !bok {
			return nil, ErrBits
		}
	}
	a, perr := netip.ParseAddr(addr)
	if perr != nil || !a.Is6() {
		return nil, ErrSyntax
	}
	return &Netmask{p: netip.PrefixFrom(a, b).Masked()}, nil
}

func v4Block(base uint32, b int) *Netmask {
	a := netip.AddrFrom4([4]byte{byte(base >> 24), byte(base >> 16), byte(base >> 8), byte(base)})
	return &Netmask{p: netip.PrefixFrom(a, b).Masked()}
}

// scanDotted measures the longest prefix of s of the form [0-9]+(\.[0-9]+)*
// and returns how many numbers it holds and its length.
func scanDotted(s string) (parts, n int) {
	for {
		j := n
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == n {
			// No digits: the prefix ends before the dot that led here.
			if parts > 0 {
				n--
			}
			return parts, n
		}
		parts++
		n = j
		if n == len(s) || s[n] != '.' {
			return parts, n
		}
		n++ // the dot
	}
}

// isDottedQuad reports whether s is exactly [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+.
func isDottedQuad(s string) bool {
	parts, n := scanDotted(s)
	return parts == 4 && n == len(s)
}

// parseQuad parses a dotted quad as Net::Netmask's quad2int does: four
// decimal numbers below 256 without leading zeros.
func parseQuad(s string) (uint32, bool) {
	var v uint32
	for i := 0; i < 4; i++ {
		field := s
		if i < 3 {
			var ok bool
			if field, s, ok = strings.Cut(s, "."); !ok {
				return 0, false
			}
		}
		if field == "" || len(field) > 3 || !isDigits(field) || (len(field) > 1 && field[0] == '0') {
			return 0, false
		}
		x := 0
		for j := 0; j < len(field); j++ {
			x = x*10 + int(field[j]-'0')
		}
		if x > 255 {
			return 0, false
		}
		v = v<<8 | uint32(x)
	}
	return v, true
}

// parseBits reads a prefix length of decimal digits (leading zeros allowed,
// as Perl compares it numerically) and checks it against max.
func parseBits(s string, max int) (int, bool) {
	s = strings.TrimLeft(s, "0")
	if len(s) > 3 {
		return 0, false
	}
	b := 0
	for i := 0; i < len(s); i++ {
		b = b*10 + int(s[i]-'0')
	}
	return b, b <= max
}

// parseHex reads the digits of a hexadecimal netmask (after "0x"). Values
// that do not fit 32 bits cannot be masks.
func parseHex(s string) (uint32, bool) {
	if s == "" {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(d)
		if v > 0xffffffff {
			return 0, false
		}
	}
	return uint32(v), true
}

// maskBits returns the prefix length of a contiguous IPv4 netmask.
func maskBits(m uint32) (int, bool) {
	b := bits.LeadingZeros32(^m)
	return b, v4Mask(b) == m
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// trimLeftPerlSpace trims the leading characters that Perl's \s matches in
// a byte string.
func trimLeftPerlSpace(s string) string {
	return strings.TrimLeft(s, " \t\n\v\f\r")
}

// quote quotes text for an error message, cut short so that a huge input
// does not make a huge error.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
