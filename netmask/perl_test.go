package netmask

// The differential test: the same texts go through Net::Netmask in one perl
// process and through this package, and the results must agree, apart from
// the differences doc.go lists, each recognised here by the standard
// library's own parser rather than by ours.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// perlScript reads one command a line, tab-separated and hex-encoded
// fields, and writes one result line for each.
//
//	N spec _ probes    new2(spec)
//	S spec _ probes    new2(spec, shortnet => 1)
//	M net mask probes  new2(net, mask)
//	T spec             storeNetblock in a private table
//	D spec             deleteNetblock from it
//	F addr             findNetblock in it
const perlScript = `
use strict;
use Net::Netmask;
my %t;
while (my $line = <STDIN>) {
	chomp $line;
	my ($cmd, $a, $b, $p) = split /\t/, $line, -1;
	$a = pack("H*", $a // ''); $b = pack("H*", $b // '');
	if ($cmd eq 'N' || $cmd eq 'S' || $cmd eq 'M') {
		my $n = $cmd eq 'N' ? Net::Netmask->new2($a)
		      : $cmd eq 'S' ? Net::Netmask->new2($a, shortnet => 1)
		      :               Net::Netmask->new2($a, $b);
		if (!defined $n) { print "0\n"; next }
		my @probes = map { pack("H*", $_) } grep { length } split /,/, ($p // '');
		my $m = join '', map { $n->match($_) ? 1 : 0 } @probes;
		print join("\t", 1, $n->base, $n->bits, $n->desc, $n->protocol,
			$n->mask, $n->hostmask, $n->last, $n->size, $m), "\n";
	} elsif ($cmd eq 'T') {
		Net::Netmask->new2($a)->storeNetblock(\%t); print "ok\n";
	} elsif ($cmd eq 'D') {
		Net::Netmask->new2($a)->deleteNetblock(\%t); print "ok\n";
	} elsif ($cmd eq 'F') {
		my $nb = findNetblock($a, \%t);
		print defined $nb ? $nb->desc : "-", "\n";
	} else {
		die "unknown command $cmd";
	}
}
`

// requirePerlNetmask returns the path of perl when it can load
// Net::Netmask (Debian: libnet-netmask-perl). Without it the test skips,
// or fails when POE_REQUIRE_PEERS=1.
func requirePerlNetmask(t *testing.T) string {
	t.Helper()
	perl, err := exec.LookPath("perl")
	if err == nil {
		err = exec.Command(perl, "-MNet::Netmask 2", "-e", "1").Run()
	}
	if err != nil {
		msg := fmt.Sprintf("perl with Net::Netmask 2.x not available (apt-get install libnet-netmask-perl): %v", err)
		if os.Getenv("POE_REQUIRE_PEERS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return perl
}

type perlCmd struct {
	cmd    byte
	a, b   string
	probes []string
}

// runPerl runs all commands through one perl process and returns its
// result lines.
func runPerl(t *testing.T, perl string, cmds []perlCmd) []string {
	t.Helper()
	var in bytes.Buffer
	for _, c := range cmds {
		hp := make([]string, len(c.probes))
		for i, p := range c.probes {
			hp[i] = hex.EncodeToString([]byte(p))
		}
		fmt.Fprintf(&in, "%c\t%x\t%x\t%s\n", c.cmd, c.a, c.b, strings.Join(hp, ","))
	}
	cmd := exec.Command(perl, "-e", perlScript)
	cmd.Stdin = &in
	var out, stderr bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &stderr // Net::Netmask warns about some inputs; not a failure
	if err := cmd.Run(); err != nil {
		t.Fatalf("perl: %v\n%s", err, lastBytes(stderr.Bytes(), 2000))
	}
	var lines []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != len(cmds) {
		t.Fatalf("perl answered %d lines for %d commands\n%s", len(lines), len(cmds), lastBytes(stderr.Bytes(), 2000))
	}
	return lines
}

func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// v6Shape is the text new2 takes for IPv6: lower-case hex digits and at
// least two colons, then maybe /digits.
var v6Shape = regexp.MustCompile(`^[0-9a-f]*:[0-9a-f]*:[0-9a-f:]*(/[0-9]+)?$`)

// misreadIPv6 reports whether spec is IPv6-shaped text that new2 accepts
// but the standard library rejects as an address; doc.go documents that we
// reject it.
func misreadIPv6(spec string) bool {
	s := strings.TrimSuffix(spec, "\n")
	if !v6Shape.MatchString(s) {
		return false
	}
	addr, _, _ := strings.Cut(s, "/")
	_, err := netip.ParseAddr(addr)
	return err != nil
}

// strictMaskPair reports whether new2($net, $mask) is inside the grammar
// New2Mask keeps: a plain IPv4 address (as netip reads one) and a mask
// that is a dotted quad as netip writes it, or 0x and hex digits only.
func strictMaskPair(net, mask string) bool {
	a, err := netip.ParseAddr(strings.TrimSuffix(net, "\n"))
	if err != nil || !a.Is4() {
		return false
	}
	if m, err := netip.ParseAddr(mask); err == nil && m.Is4() && m.String() == mask {
		return true
	}
	return regexp.MustCompile(`^0[xX][0-9a-fA-F]+$`).MatchString(mask)
}

func TestPerlDifferential(t *testing.T) {
	perl := requirePerlNetmask(t)
	rng := rand.New(rand.NewPCG(20240601, 7))
	var cmds []perlCmd
	type goResult struct {
		nm  *Netmask
		err error
	}
	var results []goResult
	add := func(cmd byte, a, b string) {
		var nm *Netmask
		var err error
		switch cmd {
		case 'N':
			nm, err = New2(a)
		case 'S':
			nm, err = New2WithOptions(a, Options{ShortNet: true})
		case 'M':
			nm, err = New2Mask(a, b, Options{})
		}
		var probes []string
		if err == nil {
			probes = probesFor(rng, nm)
		}
		cmds = append(cmds, perlCmd{cmd: cmd, a: a, b: b, probes: probes})
		results = append(results, goResult{nm, err})
	}
	for _, s := range fuzzSeeds() {
		add('N', s, "")
		add('S', s, "")
	}
	for range 6000 {
		s := genSpec(rng)
		add('N', s, "")
		if rng.IntN(4) == 0 {
			add('S', s, "")
		}
	}
	for range 1500 {
		add('S', genShort(rng), "")
	}
	for range 3000 {
		add('N', mutate(rng, genSpec(rng)), "")
	}
	for range 2000 {
		add('N', randomText(rng), "")
	}
	for range 2500 {
		add('M', genMaskNet(rng), genMask(rng))
	}

	lines := runPerl(t, perl, cmds)
	var accepted, rejected, misread, strict int
	for i, c := range cmds {
		got, line := results[i], lines[i]
		twoArgs := c.cmd == 'M' && c.b != "" // new2($net, '') is new2($net)
		name := fmt.Sprintf("%c new2(%q", c.cmd, c.a)
		if c.cmd == 'M' {
			name += fmt.Sprintf(", %q", c.b)
		}
		name += ")"
		if line == "0" {
			if got.err == nil {
				t.Errorf("%s: Perl returns undef, we return %s", name, got.nm)
			}
			rejected++
			continue
		}
		if got.err != nil {
			switch {
			case !twoArgs && misreadIPv6(c.a):
				misread++
			case twoArgs && !strictMaskPair(c.a, c.b):
				strict++
			default:
				t.Errorf("%s: Perl accepts (%s), we return %v", name, line, got.err)
			}
			continue
		}
		if twoArgs && !strictMaskPair(c.a, c.b) {
			t.Errorf("%s: accepted %s outside New2Mask's strict grammar", name, got.nm)
		}
		accepted++
		comparePerl(t, name, got.nm, line, c.probes)
	}
	t.Logf("%d cases: %d accepted alike, %d rejected alike, %d misread IPv6 and %d loose masks that only Perl accepts",
		len(cmds), accepted, rejected, misread, strict)
	if accepted < 2000 || rejected < 2000 {
		t.Errorf("the generated cases are lopsided: %d accepted, %d rejected", accepted, rejected)
	}
}

// comparePerl compares a block with Perl's answer line for it.
func comparePerl(t *testing.T, name string, nm *Netmask, line string, probes []string) {
	t.Helper()
	f := strings.Split(line, "\t")
	if len(f) != 10 {
		t.Errorf("%s: bad Perl line %q", name, line)
		return
	}
	digits := strings.TrimLeft(f[2], "0")
	if digits == "" {
		digits = "0"
	}
	bits, err := strconv.Atoi(digits)
	if err != nil {
		t.Errorf("%s: Perl bits %q", name, f[2])
		return
	}
	// Perl keeps the bits as written ("/08"); desc then repeats them.
	perlDesc := f[3]
	if f[2] != strconv.Itoa(bits) {
		perlDesc = f[1] + "/" + strconv.Itoa(bits)
	}
	check := func(what, got, want string) {
		if got != want {
			t.Errorf("%s.%s = %q, Perl says %q", name, what, got, want)
		}
	}
	check("Base()", nm.Base(), f[1])
	check("Bits()", strconv.Itoa(nm.Bits()), strconv.Itoa(bits))
	check("String()", nm.String(), perlDesc)
	check("Protocol()", nm.Protocol(), f[4])
	check("Mask()", nm.Mask(), f[5])
	check("Hostmask()", nm.Hostmask(), f[6])
	check("Last()", nm.Last(), f[7])
	check("Size()", nm.Size().String(), f[8])
	var m strings.Builder
	for _, p := range probes {
		if nm.Match(p) {
			m.WriteByte('1')
		} else {
			m.WriteByte('0')
		}
	}
	check(fmt.Sprintf("Match(%q)", probes), m.String(), f[9])
}

// TestPerlTable compares Table with storeNetblock, deleteNetblock and
// findNetblock over nested random blocks.
func TestPerlTable(t *testing.T) {
	perl := requirePerlNetmask(t)
	rng := rand.New(rand.NewPCG(11, 12))
	var tab Table
	var cmds []perlCmd
	var blocks []*Netmask
	for range 1500 {
		nm := randomBlock(rng)
		if rng.IntN(10) == 0 {
			nm = FromPrefix(netip.PrefixFrom(nm.Prefix().Addr(), rng.IntN(nm.Bits()+1)))
		}
		tab.Store(nm)
		blocks = append(blocks, nm)
		cmds = append(cmds, perlCmd{cmd: 'T', a: nm.String()})
	}
	for range 300 {
		nm := blocks[rng.IntN(len(blocks))]
		tab.Delete(nm)
		cmds = append(cmds, perlCmd{cmd: 'D', a: nm.String()})
	}
	first := len(cmds)
	var want []string
	for i := range 3300 {
		var a netip.Addr
		if i < 3000 {
			a = randomAddrNear(rng, blocks)
			for !a.Is4() {
				a = randomAddrNear(rng, blocks)
			}
		} else {
			a = randomAddrNear(rng, blocks)
		}
		got := "-"
		if nm := tab.Fetch(a.String()); nm != nil {
			got = nm.String()
		}
		want = append(want, got)
		cmds = append(cmds, perlCmd{cmd: 'F', a: a.String()})
	}
	lines := runPerl(t, perl, cmds)
	for i := first; i < len(cmds); i++ {
		if got, perlSays := want[i-first], lines[i]; got != perlSays {
			t.Errorf("Fetch(%q) = %s, Perl's findNetblock says %s", cmds[i].a, got, perlSays)
		}
	}
}

// probesFor returns addresses to Match against nm: its edges, their
// neighbours, one inside, random ones of both families and a few
// non-canonical spellings.
func probesFor(rng *rand.Rand, nm *Netmask) []string {
	first := nm.Prefix().Addr()
	last := nm.lastAddr()
	ps := []string{first.String(), last.String()}
	if p := first.Prev(); p.IsValid() {
		ps = append(ps, p.String())
	}
	if n := last.Next(); n.IsValid() {
		ps = append(ps, n.String())
	}
	ps = append(ps, randomAddr(rng, true).String(), randomAddr(rng, false).String())
	if first.Is6() {
		ps = append(ps, first.StringExpanded(), strings.ToUpper(last.StringExpanded()))
	}
	return ps
}

func randomAddr(rng *rand.Rand, v4 bool) netip.Addr {
	if v4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], rng.Uint32())
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], rng.Uint64())
	binary.BigEndian.PutUint64(b[8:], rng.Uint64())
	if rng.IntN(3) == 0 {
		clear(b[4:12]) // zero runs to compress
	}
	return netip.AddrFrom16(b)
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

// genOctet returns a number for a dotted quad: mostly valid, sometimes not.
func genOctet(rng *rand.Rand) string {
	switch rng.IntN(12) {
	case 0:
		return pick(rng, "0", "255", "256", "00", "01", "007", "1000", "", "300", "99999999999999999999", "0255")
	case 1:
		return strconv.Itoa(rng.IntN(10))
	}
	return strconv.Itoa(rng.IntN(256))
}

func genQuad(rng *rand.Rand) string {
	if rng.IntN(6) == 0 {
		n := pick(rng, 3, 5, 4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = genOctet(rng)
		}
		return strings.Join(parts, ".")
	}
	return strings.Join([]string{genOctet(rng), genOctet(rng), genOctet(rng), genOctet(rng)}, ".")
}

func validQuad(rng *rand.Rand) string { return randomAddr(rng, true).String() }

func genBits(rng *rand.Rand, max int) string {
	b := rng.IntN(max + 3)
	switch rng.IntN(10) {
	case 0:
		return "0" + strconv.Itoa(b)
	case 1:
		return pick(rng, "", "00", "000000000000000000000000008", "4294967328", "-1", "+8", "8 ", "1e1")
	}
	return strconv.Itoa(b)
}

// genDottedMask returns a netmask (or hostmask, inverted) as a dotted
// quad, sometimes slightly wrong.
func genDottedMask(rng *rand.Rand, host bool) string {
	m := v4Mask(rng.IntN(33))
	if host {
		m = ^m
	}
	switch rng.IntN(6) {
	case 0:
		m ^= 1 << rng.IntN(32)
	case 1:
		q := netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}).String()
		return strings.Replace(q, ".0", ".00", 1)
	}
	return netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}).String()
}

// genRange returns a whois range, often exactly one block.
func genRange(rng *rand.Rand) string {
	b := rng.IntN(33)
	start := rng.Uint32() & v4Mask(b)
	end := start | ^v4Mask(b)
	switch rng.IntN(5) {
	case 0:
		start++
	case 1:
		end--
	case 2:
		start, end = end, start
	}
	q := func(x uint32) string {
		return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}).String()
	}
	sep := pick(rng, "-", " - ", "\t-\t", "- ", " -", "\n-\v", "--", " ", "\f-\r")
	return q(start) + sep + q(end)
}

// genIPv6 returns IPv6 text in many spellings, some malformed.
func genIPv6(rng *rand.Rand) string {
	a := randomAddr(rng, false)
	var s string
	switch rng.IntN(8) {
	case 0:
		s = a.StringExpanded()
	case 1:
		s = strings.ToUpper(a.String())
	case 2:
		// Groups without leading zeros, no compression.
		g := strings.Split(a.StringExpanded(), ":")
		for i := range g {
			g[i] = strings.TrimLeft(g[i], "0")
			if g[i] == "" {
				g[i] = "0"
			}
		}
		s = strings.Join(g, ":")
	case 3:
		// Malformed: a group count that is wrong, or colons in odd places.
		g := strings.Split(a.StringExpanded(), ":")
		n := rng.IntN(11)
		if n > len(g) {
			n = len(g)
		}
		s = pick(rng, "", ":", "::") + strings.Join(g[:n], pick(rng, ":", "::", ":::")) + pick(rng, "", ":", "::", ":1:2")
	case 4:
		s = pick(rng, "::", "::1", "1::", "::ffff:1.2.3.4", "fe80::1%eth0", "00001::", "1:2:3:4::5:6:7:8", "0:0:0:0:0:0:0:0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:0:0:2:0:0:3:4")
	default:
		s = a.String()
	}
	if rng.IntN(2) == 0 {
		s += "/" + genBits(rng, 128)
	}
	return s
}

// genSpec returns text in or near one of new2's forms.
func genSpec(rng *rand.Rand) string {
	var s string
	switch rng.IntN(12) {
	case 0:
		s = genQuad(rng)
	case 1, 2:
		s = pick(rng, genQuad, validQuad)(rng) + "/" + genBits(rng, 32)
	case 3:
		s = pick(rng, genQuad, validQuad)(rng) + pick(rng, ":", "/", " ", "::") + genDottedMask(rng, false)
	case 4:
		s = pick(rng, genQuad, validQuad)(rng) + pick(rng, "#", "# ", "#") + genDottedMask(rng, true)
	case 5, 6:
		s = genRange(rng)
	case 7, 8, 9:
		s = genIPv6(rng)
	case 10:
		s = pick(rng, "any", "default", "any6", "default6", "ANY", "any4", "default ", "anyany")
	default:
		s = validQuad(rng)
	}
	switch rng.IntN(10) {
	case 0:
		s += "\n"
	case 1:
		s += pick(rng, "\n\n", "\r\n", " ", "\t", "\x00")
	case 2:
		s = pick(rng, " ", "\n", "\t") + s
	}
	return s
}

// genShort returns text in or near the shortnet forms.
func genShort(rng *rand.Rand) string {
	n := 1 + rng.IntN(4)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = genOctet(rng)
	}
	s := strings.Join(parts, ".")
	if rng.IntN(2) == 0 {
		s += "/" + genBits(rng, 32)
	}
	if rng.IntN(8) == 0 {
		s += "\n"
	}
	return s
}

func genMaskNet(rng *rand.Rand) string {
	switch rng.IntN(10) {
	case 0:
		return genQuad(rng)
	case 1:
		return pick(rng, "any", "10.0.0.0/8", "10.0.0.0-10.255.255.255", "10", "2001:db8::", "1.2.3.4\n", "1.2.3.4#0.0.0.255", "1.2.3.4:255.0.0.0")
	}
	return validQuad(rng)
}

func genMask(rng *rand.Rand) string {
	switch rng.IntN(8) {
	case 0, 1:
		return genDottedMask(rng, false)
	case 2, 3:
		m := v4Mask(rng.IntN(33))
		return pick(rng, "0x", "0X") + pick(rng, fmt.Sprintf("%08x", m), fmt.Sprintf("%X", m), fmt.Sprintf("%x", m^(1<<rng.IntN(32))))
	case 4:
		return pick(rng, "", "0", "00", "0x", "0x0", "zz0x1", " 0xff000000", "0xff000000 ", "0xff_00_00_00", "0x_ff000000",
			"0xff__000000", "ff000000", "xff000000", "0x1ffffffff", "0xfffffffffffffffffff", "0xFFg", "255.0.0.0\n", "255.255.255.255", "16", "/16")
	case 5:
		return randomText(rng)
	}
	return genDottedMask(rng, false)
}

// randomText returns short text over the characters new2 looks at.
func randomText(rng *rand.Rand) string {
	const alphabet = "0123456789abcdefABCDEF..::/#- \t\n\v\f\rx%any"
	b := make([]byte, rng.IntN(26))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// mutate changes one or two bytes of s: an insertion, a deletion or a
// replacement, with bytes new2 looks at and some it never expects.
func mutate(rng *rand.Rand, s string) string {
	const alphabet = "0123456789abcdef.:/#- \n\x00\xff"
	b := []byte(s)
	for range 1 + rng.IntN(2) {
		c := alphabet[rng.IntN(len(alphabet))]
		switch op := rng.IntN(3); {
		case op == 0 || len(b) == 0:
			i := rng.IntN(len(b) + 1)
			b = append(b[:i], append([]byte{c}, b[i:]...)...)
		case op == 1:
			i := rng.IntN(len(b))
			b = append(b[:i], b[i+1:]...)
		default:
			b[rng.IntN(len(b))] = c
		}
	}
	if rng.IntN(20) == 0 {
		return string(b) + "é"
	}
	return string(b)
}
