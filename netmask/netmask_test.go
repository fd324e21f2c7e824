package netmask

import (
	"net/netip"
	"slices"
	"strconv"
	"testing"
)

func TestAccessors(t *testing.T) {
	tests := []struct {
		spec                                 string
		protocol, base, mask, hostmask, last string
		bits                                 int
		size                                 string
	}{
		{"192.168.1.0/24", "IPv4", "192.168.1.0", "255.255.255.0", "0.0.0.255", "192.168.1.255", 24, "256"},
		{"any", "IPv4", "0.0.0.0", "0.0.0.0", "255.255.255.255", "255.255.255.255", 0, "4294967296"},
		{"127.0.0.1", "IPv4", "127.0.0.1", "255.255.255.255", "0.0.0.0", "127.0.0.1", 32, "1"},
		{"10.20.30.40/13", "IPv4", "10.16.0.0", "255.248.0.0", "0.7.255.255", "10.23.255.255", 13, "524288"},
		{"2001:db8::/32", "IPv6", "2001:db8::", "ffff:ffff::", "::ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 32, "79228162514264337593543950336"},
		{"any6", "IPv6", "::", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, "340282366920938463463374607431768211456"},
		{"::1", "IPv6", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::", "::1", 128, "1"},
		{"fe80::/65", "IPv6", "fe80::", "ffff:ffff:ffff:ffff:8000::", "::7fff:ffff:ffff:ffff", "fe80::7fff:ffff:ffff:ffff", 65, "9223372036854775808"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			nm := MustNew2(tc.spec)
			check := func(name, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("New2(%q).%s() = %s, want %s", tc.spec, name, got, want)
				}
			}
			check("Protocol", nm.Protocol(), tc.protocol)
			check("Base", nm.Base(), tc.base)
			check("First", nm.First(), tc.base)
			check("Mask", nm.Mask(), tc.mask)
			check("Hostmask", nm.Hostmask(), tc.hostmask)
			check("Last", nm.Last(), tc.last)
			check("Size", nm.Size().String(), tc.size)
			if nm.Bits() != tc.bits {
				t.Errorf("New2(%q).Bits() = %d, want %d", tc.spec, nm.Bits(), tc.bits)
			}
			if want := netip.MustParsePrefix(tc.base + "/" + strconv.Itoa(tc.bits)); nm.Prefix() != want {
				t.Errorf("New2(%q).Prefix() = %v, want %v", tc.spec, nm.Prefix(), want)
			}
		})
	}
}

// TestStringIPv6 checks the text of IPv6 addresses against Net::Netmask's
// ipv6Cannonical: the leftmost longest zero run is compressed, even a
// single group.
func TestStringIPv6(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"0:0:0:0:0:0:0:0", "::"},
		{"0:0:0:0:0:0:0:1", "::1"},
		{"1:0:0:0:0:0:0:0", "1::"},
		{"1:0:2:3:4:5:6:7", "1::2:3:4:5:6:7"},
		{"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7::"},
		{"0:1:2:3:4:5:6:7", "::1:2:3:4:5:6:7"},
		{"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
		{"1:0:0:2:0:0:0:4", "1:0:0:2::4"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
		{"abcd:ef01:0:0:0:0:0:0", "abcd:ef01::"},
		{"0:0:1:0:0:0:0:1", "0:0:1::1"},
		{"00ab:0c:0:0:0:0:0:0", "ab:c::"},
	}
	for _, tc := range tests {
		nm := MustNew2(tc.addr)
		if got := nm.Base(); got != tc.want {
			t.Errorf("New2(%q).Base() = %s, want %s", tc.addr, got, tc.want)
		}
		if got, want := nm.String(), tc.want+"/128"; got != want {
			t.Errorf("New2(%q).String() = %s, want %s", tc.addr, got, want)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		spec, addr string
		want       bool
	}{
		{"192.168.1.0/24", "192.168.1.0", true},
		{"192.168.1.0/24", "192.168.1.255", true},
		{"192.168.1.0/24", "192.168.2.0", false},
		{"192.168.1.0/24", "192.168.0.255", false},
		{"any", "1.2.3.4", true},
		{"any", "::1", false},
		{"any", "::ffff:1.2.3.4", false},
		{"any", "not an address", false},
		{"any", "", false},
		{"any", "010.1.2.3", false},
		{"any6", "::1", true},
		{"any6", "1.2.3.4", false},
		{"::ffff:0:0/96", "::ffff:1.2.3.4", true},
		{"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.2", false},
		{"2001:db8::/32", "2001:DB8:0:0::1", true},
		{"2001:db8::/32", "2001:db9::", false},
		{"fe80::/10", "fe80::1%eth0", true},
	}
	for _, tc := range tests {
		nm := MustNew2(tc.spec)
		if got := nm.Match(tc.addr); got != tc.want {
			t.Errorf("New2(%q).Match(%q) = %v, want %v", tc.spec, tc.addr, got, tc.want)
		}
	}
	if MustNew2("any").MatchAddr(netip.Addr{}) {
		t.Errorf("New2(any).MatchAddr(the zero Addr) = true, want false")
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		outer, inner string
		want         bool
	}{
		{"10.0.0.0/8", "10.1.0.0/16", true},
		{"10.0.0.0/8", "10.0.0.0/8", true},
		{"10.1.0.0/16", "10.0.0.0/8", false},
		{"10.0.0.0/8", "11.0.0.0/16", false},
		{"10.0.0.0/8", "10.255.255.255", true},
		{"any", "1.2.3.4", true},
		{"any", "::/128", false},
		{"any6", "0.0.0.0/32", false},
		{"2001:db8::/32", "2001:db8:1::/48", true},
		{"2001:db8:1::/48", "2001:db8::/32", false},
	}
	for _, tc := range tests {
		if got := MustNew2(tc.outer).Contains(MustNew2(tc.inner)); got != tc.want {
			t.Errorf("New2(%q).Contains(%q) = %v, want %v", tc.outer, tc.inner, got, tc.want)
		}
	}
	if MustNew2("any").Contains(nil) {
		t.Errorf("Contains(nil) = true, want false")
	}
}

func TestCompare(t *testing.T) {
	in := []string{"::/0", "10.0.0.0/16", "10.0.0.0/8", "9.255.0.0/16", "2001:db8::/32", "0.0.0.0/0", "::1"}
	want := []string{"0.0.0.0/0", "9.255.0.0/16", "10.0.0.0/8", "10.0.0.0/16", "::/0", "::1/128", "2001:db8::/32"}
	var blocks []*Netmask
	for _, s := range in {
		blocks = append(blocks, MustNew2(s))
	}
	slices.SortFunc(blocks, (*Netmask).Compare)
	var got []string
	for _, b := range blocks {
		got = append(got, b.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("sorted by Compare = %v, want %v", got, want)
	}
	if c := MustNew2("10.0.0.0/8").Compare(MustNew2("10.1.2.3/8")); c != 0 {
		t.Errorf("Compare of the same block = %d, want 0", c)
	}
}

func TestFromPrefix(t *testing.T) {
	tests := []struct {
		p    netip.Prefix
		want string
	}{
		{netip.MustParsePrefix("10.1.2.3/8"), "10.0.0.0/8"},
		{netip.MustParsePrefix("2001:db8::1/32"), "2001:db8::/32"},
		{netip.PrefixFrom(netip.MustParseAddr("fe80::1%eth0"), 64), "fe80::/64"},
	}
	for _, tc := range tests {
		nm := FromPrefix(tc.p)
		if nm == nil || nm.String() != tc.want {
			t.Errorf("FromPrefix(%v) = %v, want %s", tc.p, nm, tc.want)
		}
	}
	if nm := FromPrefix(netip.Prefix{}); nm != nil {
		t.Errorf("FromPrefix(invalid) = %v, want nil", nm)
	}
}

func BenchmarkMatch(b *testing.B) {
	for _, tc := range []struct{ name, spec, addr string }{
		{"IPv4", "192.168.1.0/24", "192.168.1.77"},
		{"IPv6", "2001:db8::/32", "2001:db8::77"},
	} {
		nm := MustNew2(tc.spec)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !nm.Match(tc.addr) {
					b.Fatal("no match")
				}
			}
		})
		a := netip.MustParseAddr(tc.addr)
		b.Run(tc.name+"Addr", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !nm.MatchAddr(a) {
					b.Fatal("no match")
				}
			}
		})
	}
}
