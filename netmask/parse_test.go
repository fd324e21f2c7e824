package netmask

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

var shortnet = Options{ShortNet: true}

// acceptCases are texts new2 accepts, with the desc Net::Netmask gives them
// (checked against Perl by TestPerlDifferential as well).
var acceptCases = []struct {
	spec string
	opts Options
	want string
}{
	// The words.
	{"any", Options{}, "0.0.0.0/0"},
	{"default", Options{}, "0.0.0.0/0"},
	{"any6", Options{}, "::/0"},
	{"default6", Options{}, "::/0"},
	// Plain addresses.
	{"127.0.0.1", Options{}, "127.0.0.1/32"},
	{"0.0.0.0", Options{}, "0.0.0.0/32"},
	{"255.255.255.255", Options{}, "255.255.255.255/32"},
	{"1.2.3.4\n", Options{}, "1.2.3.4/32"},
	// CIDR.
	{"192.168.1.0/24", Options{}, "192.168.1.0/24"},
	{"192.168.1.77/24", Options{}, "192.168.1.0/24"},
	{"10.0.0.0/8", Options{}, "10.0.0.0/8"},
	{"10.0.0.0/08", Options{}, "10.0.0.0/8"},
	{"10.0.0.0/0000032", Options{}, "10.0.0.0/32"},
	{"10.9.8.7/0", Options{}, "0.0.0.0/0"},
	{"10.9.8.7/32", Options{}, "10.9.8.7/32"},
	{"10.9.8.7/31", Options{}, "10.9.8.6/31"},
	{"10.0.0.0/8\n", Options{}, "10.0.0.0/8"},
	// Dotted netmasks after ':' or '/'.
	{"10.1.2.3:255.255.0.0", Options{}, "10.1.0.0/16"},
	{"10.1.2.3/255.255.0.0", Options{}, "10.1.0.0/16"},
	{"10.1.2.3:255.255.255.255", Options{}, "10.1.2.3/32"},
	{"10.1.2.3:0.0.0.0", Options{}, "0.0.0.0/0"},
	{"10.1.2.3:255.255.255.128", Options{}, "10.1.2.0/25"},
	{"10.1.2.3:255.255.255.128\n", Options{}, "10.1.2.0/25"},
	// Cisco hostmasks.
	{"10.1.2.3#0.0.0.255", Options{}, "10.1.2.0/24"},
	{"10.1.2.3#0.0.0.0", Options{}, "10.1.2.3/32"},
	{"10.1.2.3#255.255.255.255", Options{}, "0.0.0.0/0"},
	{"10.1.2.3#0.0.63.255", Options{}, "10.1.0.0/18"},
	// Ranges that are one block.
	{"10.1.2.0-10.1.2.255", Options{}, "10.1.2.0/24"},
	{"10.1.2.0 - 10.1.2.255", Options{}, "10.1.2.0/24"},
	{"10.1.2.0\t-\n\v\f\r10.1.2.255", Options{}, "10.1.2.0/24"},
	{"10.1.2.3-10.1.2.3", Options{}, "10.1.2.3/32"},
	{"0.0.0.0-255.255.255.255", Options{}, "0.0.0.0/0"},
	{"128.0.0.0-255.255.255.255", Options{}, "128.0.0.0/1"},
	{"10.1.2.0-10.1.2.255\n", Options{}, "10.1.2.0/24"},
	// IPv6.
	{"2001:db8::/32", Options{}, "2001:db8::/32"},
	{"2001:db8::1", Options{}, "2001:db8::1/128"},
	{"2001:db8:1:2:3:4:5:6/64", Options{}, "2001:db8:1:2::/64"},
	{"::", Options{}, "::/128"},
	{"::/0", Options{}, "::/0"},
	{"::1", Options{}, "::1/128"},
	{"::/0128", Options{}, "::/128"},
	{"0000:0000:0000:0000:0000:0000:0000:0001", Options{}, "::1/128"},
	{"1:0:2:3:4:5:6:7", Options{}, "1::2:3:4:5:6:7/128"},
	{"1:0:0:2:0:0:0:3", Options{}, "1:0:0:2::3/128"},
	{"1:2:3:4:5:6:7::", Options{}, "1:2:3:4:5:6:7::/128"},
	{"fe80::/10", Options{}, "fe80::/10"},
	{"2001:db8::/32\n", Options{}, "2001:db8::/32"},
	// shortnet.
	{"10", shortnet, "10.0.0.0/8"},
	{"10.1", shortnet, "10.1.0.0/16"},
	{"10.1.2", shortnet, "10.1.2.0/24"},
	{"10/8", shortnet, "10.0.0.0/8"},
	{"10/16", shortnet, "10.0.0.0/16"},
	{"10.1/16", shortnet, "10.1.0.0/16"},
	{"10.1.2/16", shortnet, "10.1.0.0/16"},
	{"10\n", shortnet, "10.0.0.0/8"},
	{"10.1.2.3", shortnet, "10.1.2.3/32"},
	{"any", shortnet, "0.0.0.0/0"},
	{"2001:db8::/32", shortnet, "2001:db8::/32"},
}

func TestNew2Accepts(t *testing.T) {
	for _, tc := range acceptCases {
		t.Run(strings.ReplaceAll(tc.spec, "/", "|"), func(t *testing.T) {
			nm, err := New2WithOptions(tc.spec, tc.opts)
			if err != nil {
				t.Fatalf("New2WithOptions(%q, %+v) error %v, want %s", tc.spec, tc.opts, err, tc.want)
			}
			if got := nm.String(); got != tc.want {
				t.Errorf("New2WithOptions(%q, %+v) = %s, want %s", tc.spec, tc.opts, got, tc.want)
			}
			if tc.opts == (Options{}) {
				nm2, err := New2(tc.spec)
				if err != nil || !nm2.Equal(nm) {
					t.Errorf("New2(%q) = %v, %v; want %s", tc.spec, nm2, err, tc.want)
				}
			}
		})
	}
}

// rejectCases are texts new2 returns undef for, each with the error we give.
var rejectCases = []struct {
	spec string
	opts Options
	want error
}{
	{"", Options{}, ErrSyntax},
	{"\n", Options{}, ErrSyntax},
	{"any\n", Options{}, ErrSyntax},
	{"Any", Options{}, ErrSyntax},
	{" any", Options{}, ErrSyntax},
	{"any6\n", Options{}, ErrSyntax},
	{"anything", Options{}, ErrSyntax},
	// Leading zeros in an octet: never, in any form.
	{"010.0.0.1", Options{}, ErrSyntax},
	{"10.0.0.01", Options{}, ErrSyntax},
	{"10.00.0.1", Options{}, ErrSyntax},
	{"010.0.0.0/8", Options{}, ErrSyntax},
	{"10.1.2.3:255.255.000.0", Options{}, ErrNetmask},
	{"10.1.2.3#0.0.0.0255", Options{}, ErrHostmask},
	{"010.1.2.0-10.1.2.255", Options{}, ErrSyntax},
	{"10.1.2.0-10.1.2.0255", Options{}, ErrSyntax},
	{"010", shortnet, ErrSyntax},
	{"10.01", shortnet, ErrSyntax},
	{"10.01/16", shortnet, ErrSyntax},
	// Out of range.
	{"256.0.0.0", Options{}, ErrSyntax},
	{"1.2.3.256", Options{}, ErrSyntax},
	{"1.2.3.4/33", Options{}, ErrBits},
	{"1.2.3.4/4294967328", Options{}, ErrBits},
	{"::/129", Options{}, ErrBits},
	{"256", shortnet, ErrSyntax},
	{"10/33", shortnet, ErrBits},
	// Malformed IPv4.
	{"1.2.3", Options{}, ErrSyntax},
	{"1.2.3.4.5", Options{}, ErrSyntax},
	{"1.2.3.4.", Options{}, ErrSyntax},
	{".1.2.3.4", Options{}, ErrSyntax},
	{"1..2.3", Options{}, ErrSyntax},
	{" 1.2.3.4", Options{}, ErrSyntax},
	{"1.2.3.4 ", Options{}, ErrSyntax},
	{"1.2.3.4\n\n", Options{}, ErrSyntax},
	{"1.2.3.4\r\n", Options{}, ErrSyntax},
	{"1.2.3.4/", Options{}, ErrSyntax},
	{"1.2.3.4/-1", Options{}, ErrSyntax},
	{"1.2.3.4/+8", Options{}, ErrSyntax},
	{"1.2.3.4/8/8", Options{}, ErrSyntax},
	{"1.2.3.4 255.0.0.0", Options{}, ErrSyntax},
	{"1.2.3.4:255.0.0.1", Options{}, ErrNetmask},
	{"1.2.3.4:0.255.255.255", Options{}, ErrNetmask},
	{"1.2.3.4:255.0.0", Options{}, ErrSyntax},
	{"1.2.3.4#255.255.255.0", Options{}, ErrHostmask},
	{"1.2.3.4#8", Options{}, ErrSyntax},
	{"1.2.3.4:8", Options{}, ErrSyntax},
	{"1.2.3.4:0xff000000", Options{}, ErrSyntax},
	{"１.2.3.4", Options{}, ErrSyntax},
	// Ranges that are not one block.
	{"10.1.2.0-10.1.2.254", Options{}, ErrRange},
	{"10.1.2.1-10.1.2.255", Options{}, ErrRange},
	{"10.1.2.255-10.1.2.0", Options{}, ErrRange},
	{"10.1.2.128-10.1.3.127", Options{}, ErrRange},
	{"10.1.2.0-10.1.2.255 ", Options{}, ErrSyntax},
	{"10.1.2.0--10.1.2.255", Options{}, ErrSyntax},
	{"10.1.2.0-", Options{}, ErrSyntax},
	{"10.1.2.0-10.1.2", Options{}, ErrSyntax},
	{"10.1.2.0/24-10.1.2.255", Options{}, ErrSyntax},
	// Short forms without the option.
	{"10", Options{}, ErrSyntax},
	{"10.1", Options{}, ErrSyntax},
	{"10.1.2", Options{}, ErrSyntax},
	{"10/8", Options{}, ErrSyntax},
	{"10.1/16", Options{}, ErrSyntax},
	{"10.1.2/24", Options{}, ErrSyntax},
	{"10.1.2.", shortnet, ErrSyntax},
	{"10:8", shortnet, ErrSyntax},
	// IPv6 that new2 rejects: upper case, embedded IPv4, zones, one colon.
	{"2001:DB8::/32", Options{}, ErrSyntax},
	{"::FFFF:1.2.3.4", Options{}, ErrSyntax},
	{"::ffff:1.2.3.4", Options{}, ErrSyntax},
	{"fe80::1%eth0", Options{}, ErrSyntax},
	{"1:2", Options{}, ErrSyntax},
	{"::/", Options{}, ErrSyntax},
	{"::/x", Options{}, ErrSyntax},
	{" ::1", Options{}, ErrSyntax},
	{"[::1]", Options{}, ErrSyntax},
	// IPv6 that new2 misreads as some address and we reject (see doc.go).
	{"1:2:3", Options{}, ErrSyntax},
	{"1:2:3:4:5:6:7:8:9", Options{}, ErrSyntax},
	{":::", Options{}, ErrSyntax},
	{"1:::2", Options{}, ErrSyntax},
	{":1:2:3:4:5:6:7", Options{}, ErrSyntax},
	{"1:2:3:4:5:6:7:", Options{}, ErrSyntax},
	{"00001::", Options{}, ErrSyntax},
	{"1:2:3:4::5:6:7:8", Options{}, ErrSyntax},
	{"1::2::3", Options{}, ErrSyntax},
}

func TestNew2Rejects(t *testing.T) {
	for _, tc := range rejectCases {
		t.Run(strings.ReplaceAll(tc.spec, "/", "|"), func(t *testing.T) {
			nm, err := New2WithOptions(tc.spec, tc.opts)
			if err == nil {
				t.Fatalf("New2WithOptions(%q, %+v) = %s, want error %v", tc.spec, tc.opts, nm, tc.want)
			}
			if nm != nil {
				t.Errorf("New2WithOptions(%q, %+v) returned %v with its error", tc.spec, tc.opts, nm)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("New2WithOptions(%q, %+v) error %v, want %v", tc.spec, tc.opts, err, tc.want)
			}
		})
	}
}

func TestNewIsNew2(t *testing.T) {
	for _, spec := range []string{"10.0.0.0/8", "garbage", "2001:db8::/32", ""} {
		a, errA := New(spec)
		b, errB := New2(spec)
		if (errA == nil) != (errB == nil) || (a != nil && !a.Equal(b)) {
			t.Errorf("New(%q) = %v, %v; New2 = %v, %v", spec, a, errA, b, errB)
		}
	}
}

func TestMustNew2(t *testing.T) {
	if got := MustNew2("127.0.0.1").String(); got != "127.0.0.1/32" {
		t.Errorf("MustNew2(127.0.0.1) = %s, want 127.0.0.1/32", got)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("MustNew2(bogus) did not panic")
		}
	}()
	MustNew2("bogus")
}

func TestErrorIsBounded(t *testing.T) {
	spec := strings.Repeat("9", 1<<20)
	_, err := New2(spec)
	if err == nil {
		t.Fatal("New2(a megabyte of digits) succeeded")
	}
	if len(err.Error()) > 200 {
		t.Errorf("New2(a megabyte of digits) error is %d bytes long, want at most 200", len(err.Error()))
	}
}

func TestNew2Mask(t *testing.T) {
	accept := []struct{ net, mask, want string }{
		{"10.1.2.3", "255.255.0.0", "10.1.0.0/16"},
		{"10.1.2.3", "0xffff0000", "10.1.0.0/16"},
		{"10.1.2.3", "0XFFFF0000", "10.1.0.0/16"},
		{"10.1.2.3", "0x00ffff0000", "10.1.0.0/16"},
		{"10.1.2.3", "0xffffffff", "10.1.2.3/32"},
		{"10.1.2.3", "0x0", "0.0.0.0/0"},
		{"10.1.2.3", "0.0.0.0", "0.0.0.0/0"},
		{"10.1.2.3\n", "255.0.0.0", "10.0.0.0/8"},
		{"10.1.2.3", "", "10.1.2.3/32"},
		{"10.1.2.0/24", "", "10.1.2.0/24"},
	}
	for _, tc := range accept {
		nm, err := New2Mask(tc.net, tc.mask, Options{})
		if err != nil || nm.String() != tc.want {
			t.Errorf("New2Mask(%q, %q) = %v, %v; want %s", tc.net, tc.mask, nm, err, tc.want)
		}
	}
	reject := []struct {
		net, mask string
		want      error
	}{
		{"10.1.2.3", "255.0.255.0", ErrNetmask},
		{"10.1.2.3", "255.255.0.00", ErrNetmask},
		{"10.1.2.3", "0xff00ff00", ErrNetmask},
		{"10.1.2.3", "0x1ffffffff", ErrNetmask},
		{"10.1.2.3", "0x", ErrNetmask},
		{"10.1.2.3", " 0xff000000", ErrNetmask},
		{"10.1.2.3", "0xff_000000", ErrNetmask},
		{"10.1.2.3", "0xff000000 ", ErrNetmask},
		{"10.1.2.3", "ff000000", ErrNetmask},
		{"10.1.2.3", "0", ErrNetmask},
		{"10.1.2.3", "16", ErrNetmask},
		{"10.1.2.3", "255.255.0.0\n", ErrNetmask},
		{"010.1.2.3", "255.0.0.0", ErrMaskNotAllowed},
		{"10.1.2.0/24", "255.255.0.0", ErrMaskNotAllowed},
		{"any", "255.255.0.0", ErrMaskNotAllowed},
		{"10.1.2.0-10.1.2.255", "255.255.0.0", ErrMaskNotAllowed},
		{"2001:db8::", "ffff::", ErrMaskNotAllowed},
		{"10", "255.0.0.0", ErrMaskNotAllowed},
	}
	for _, tc := range reject {
		nm, err := New2Mask(tc.net, tc.mask, shortnet)
		if !errors.Is(err, tc.want) {
			t.Errorf("New2Mask(%q, %q) = %v, %v; want error %v", tc.net, tc.mask, nm, err, tc.want)
		}
	}
}

// fuzzSeeds holds the test tables' texts plus some near misses.
func fuzzSeeds() []string {
	var seeds []string
	for _, tc := range acceptCases {
		seeds = append(seeds, tc.spec)
	}
	for _, tc := range rejectCases {
		seeds = append(seeds, tc.spec)
	}
	return append(seeds, "1.2.3.4/0008", "255.255.255.255-255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127")
}

// FuzzNew2 checks that no text makes New2 panic, and that a parsed block's
// String parses back to the same block.
func FuzzNew2(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, spec string, short bool) {
		nm, err := New2WithOptions(spec, Options{ShortNet: short})
		if err != nil {
			if nm != nil {
				t.Fatalf("New2(%q) returned %v with error %v", spec, nm, err)
			}
			return
		}
		p := nm.Prefix()
		if !p.IsValid() || p != p.Masked() {
			t.Fatalf("New2(%q).Prefix() = %v, not a valid masked prefix", spec, p)
		}
		back, err := New2(nm.String())
		if err != nil {
			t.Fatalf("New2(%q) = %s, which does not parse back: %v", spec, nm, err)
		}
		if !back.Equal(nm) {
			t.Fatalf("New2(%q) = %s, which parses back as %s", spec, nm, back)
		}
		if !nm.Match(nm.First()) || !nm.Match(nm.Last()) || !nm.Contains(nm) {
			t.Fatalf("New2(%q) = %s does not hold its own first and last addresses", spec, nm)
		}
		if b, err := New2(nm.Base() + "/" + strconv.Itoa(nm.Bits())); err != nil || !b.Equal(nm) {
			t.Fatalf("New2(%q): Base()/Bits() %s/%d parses as %v, %v", spec, nm.Base(), nm.Bits(), b, err)
		}
		if a, err := netip.ParseAddr(nm.Base()); err != nil || a != p.Addr() {
			t.Fatalf("New2(%q).Base() = %s, netip reads %v, %v; want %v", spec, nm.Base(), a, err, p.Addr())
		}
	})
}

func BenchmarkNew2(b *testing.B) {
	for _, spec := range []string{"127.0.0.1", "192.168.1.0/24", "10.1.2.3:255.255.0.0", "10.1.2.0-10.1.2.255", "any", "2001:db8::/32", "not a netmask"} {
		b.Run(strings.ReplaceAll(spec, "/", "|"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = New2(spec)
			}
		})
	}
}
