package socks

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseRequest(t *testing.T) {
	long := strings.Repeat("x", MaxField)
	cases := []struct {
		name string
		in   []byte
		want Request
		n    int
		err  error
	}{
		{"connect", []byte{4, 1, 0, 80, 10, 0, 0, 1, 'b', 'o', 'b', 0},
			Request{Command: CmdConnect, Port: 80, IP: netip.MustParseAddr("10.0.0.1"), UserID: "bob"}, 12, nil},
		{"bind, empty userid", []byte{4, 2, 0x1f, 0x90, 192, 168, 1, 2, 0},
			Request{Command: CmdBind, Port: 8080, IP: netip.MustParseAddr("192.168.1.2")}, 9, nil},
		{"data after the request", []byte{4, 1, 0, 80, 10, 0, 0, 1, 0, 'G', 'E', 'T'},
			Request{Command: CmdConnect, Port: 80, IP: netip.MustParseAddr("10.0.0.1")}, 9, nil},
		{"4a", append([]byte{4, 1, 1, 187, 0, 0, 0, 7, 'u', 0}, "localhost\x00"...),
			Request{Command: CmdConnect, Port: 443, IP: netip.MustParseAddr("0.0.0.7"), UserID: "u", Host: "localhost"}, 20, nil},
		{"longest fields", append(append([]byte{4, 1, 0, 1, 0, 0, 0, 255}, long+"\x00"...), long+"\x00"...),
			Request{Command: CmdConnect, Port: 1, IP: netip.MustParseAddr("0.0.0.255"), UserID: long, Host: long}, MaxRequestLen, nil},
		{"empty", nil, Request{}, 0, ErrIncomplete},
		{"version only", []byte{4}, Request{}, 0, ErrIncomplete},
		{"no userid NUL yet", []byte{4, 1, 0, 80, 10, 0, 0, 1, 'b'}, Request{}, 0, ErrIncomplete},
		{"4a, no host yet", []byte{4, 1, 0, 80, 0, 0, 0, 1, 0, 'l', 'o'}, Request{}, 0, ErrIncomplete},
		{"socks5", []byte{5, 1, 0}, Request{}, 0, ErrVersion},
		{"version 0", []byte{0}, Request{}, 0, ErrVersion},
		{"command 3", []byte{4, 3}, Request{}, 0, ErrCommand},
		{"command 0", []byte{4, 0, 0}, Request{}, 0, ErrCommand},
		{"0.0.0.0", []byte{4, 1, 0, 80, 0, 0, 0, 0, 0}, Request{}, 0, ErrAddress},
		{"userid over 255", append([]byte{4, 1, 0, 80, 10, 0, 0, 1}, long+"x"...), Request{}, 0, ErrUserID},
		{"userid over 255 with NUL later", append([]byte{4, 1, 0, 80, 10, 0, 0, 1}, long+"xx\x00"...), Request{}, 0, ErrUserID},
		{"host over 255", append([]byte{4, 1, 0, 80, 0, 0, 0, 1, 0}, long+"x"...), Request{}, 0, ErrHost},
		{"empty host", []byte{4, 1, 0, 80, 0, 0, 0, 1, 0, 0}, Request{}, 0, ErrHost},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, n, err := ParseRequest(tc.in)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("ParseRequest(%q) error = %v, want %v", tc.in, err, tc.err)
			}
			if err != nil {
				return
			}
			if got != tc.want || n != tc.n {
				t.Errorf("ParseRequest(%q) = %+v, %d; want %+v, %d", tc.in, got, n, tc.want, tc.n)
			}
		})
	}
}

func TestAppendRequestRefuses(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.1")
	for _, r := range []Request{
		{Command: 3, IP: ip},
		{Command: CmdConnect, IP: ip, Port: 65536},
		{Command: CmdConnect, IP: ip, Port: -1},
		{Command: CmdConnect, IP: ip, UserID: "a\x00b"},
		{Command: CmdConnect, IP: ip, UserID: strings.Repeat("u", MaxField+1)},
		{Command: CmdConnect, Host: strings.Repeat("h", MaxField+1)},
		{Command: CmdConnect, Host: "a\x00b"},
		{Command: CmdConnect},
		{Command: CmdConnect, IP: netip.MustParseAddr("0.0.0.0")},
		{Command: CmdConnect, IP: netip.MustParseAddr("0.0.0.3")},
		{Command: CmdConnect, IP: netip.MustParseAddr("::1")},
	} {
		if b, err := AppendRequest(nil, r); !errors.Is(err, ErrField) {
			t.Errorf("AppendRequest(%+v) = %x, %v; want ErrField", r, b, err)
		}
	}
}

func TestReply(t *testing.T) {
	r := Reply{Code: Granted, Port: 1080, IP: netip.MustParseAddr("192.0.2.7")}
	b := AppendReply(nil, r)
	if want := []byte{0, 90, 4, 56, 192, 0, 2, 7}; !bytes.Equal(b, want) {
		t.Errorf("AppendReply(%+v) = %v, want %v", r, b, want)
	}
	if got, err := ParseReply(b); err != nil || got != r {
		t.Errorf("ParseReply(%v) = %+v, %v; want %+v", b, got, err, r)
	}
	if _, err := ParseReply(b[:7]); !errors.Is(err, ErrIncomplete) {
		t.Errorf("ParseReply of 7 bytes = %v, want ErrIncomplete", err)
	}
	if _, err := ParseReply([]byte{4, 90, 0, 0, 0, 0, 0, 0}); !errors.Is(err, ErrVersion) {
		t.Errorf("ParseReply with VN 4 = %v, want ErrVersion", err)
	}
	// An address a SOCKS 4 reply cannot carry becomes 0.0.0.0.
	if b := AppendReply(nil, Reply{Code: Rejected, IP: netip.MustParseAddr("::1")}); !bytes.Equal(b[4:], []byte{0, 0, 0, 0}) {
		t.Errorf("AppendReply with ::1 = %v, want DSTIP 0.0.0.0", b)
	}
	if b := AppendReply(nil, Reply{Code: Granted, IP: netip.MustParseAddr("::ffff:10.1.2.3")}); !bytes.Equal(b[4:], []byte{10, 1, 2, 3}) {
		t.Errorf("AppendReply with a mapped address = %v, want DSTIP 10.1.2.3", b)
	}
}

// FuzzParseRequest checks that ParseRequest never panics on any input,
// that an incomplete verdict is only given to short input whose every
// prefix is incomplete too, that an error is final (more bytes do not
// mend it), and that a parsed request encodes back to the bytes it was
// read from.
func FuzzParseRequest(f *testing.F) {
	long := strings.Repeat("x", MaxField+1)
	for _, seed := range [][]byte{
		{4, 1, 0, 80, 10, 0, 0, 1, 'b', 'o', 'b', 0},
		{4, 2, 0, 21, 127, 0, 0, 1, 0, 'd', 'a', 't', 'a'},
		append([]byte{4, 1, 0, 80, 0, 0, 0, 1, 0}, "localhost\x00"...),
		{5, 1, 0},
		{4, 3, 0, 80, 10, 0, 0, 1, 0},
		{4, 1, 0, 80, 10, 0, 0, 1, 'n', 'o', 'n', 'u', 'l'},
		append([]byte{4, 1, 0, 80, 10, 0, 0, 1}, long...),
		append([]byte{4, 1, 0, 80, 0, 0, 0, 1, 0}, long...),
		{4, 1, 0, 80, 0, 0, 0, 0, 0},
		{4, 1, 0, 80, 0, 0, 0, 1, 0, 0},
		{},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, err := ParseRequest(b)
		switch {
		case errors.Is(err, ErrIncomplete):
			if len(b) >= MaxRequestLen {
				t.Fatalf("ParseRequest(%d bytes) = incomplete, but a request is at most %d", len(b), MaxRequestLen)
			}
		case err != nil:
			for _, more := range [][]byte{{0}, []byte("x\x00y\x00"), make([]byte, MaxRequestLen)} {
				if _, _, err2 := ParseRequest(append(b[:len(b):len(b)], more...)); err2 == nil || errors.Is(err2, ErrIncomplete) {
					t.Fatalf("ParseRequest(%q) = %v, but with %q after it %v", b, err, more, err2)
				}
			}
		default:
			if n < 9 || n > len(b) || n > MaxRequestLen {
				t.Fatalf("ParseRequest(%q) took %d bytes", b, n)
			}
			enc, err := AppendRequest(nil, r)
			if err != nil {
				t.Fatalf("AppendRequest(%+v) of a parsed request: %v", r, err)
			}
			if !bytes.Equal(enc, b[:n]) {
				t.Fatalf("AppendRequest(ParseRequest(%q)) = %q", b[:n], enc)
			}
			for k := range n {
				if _, _, err := ParseRequest(b[:k]); !errors.Is(err, ErrIncomplete) {
					t.Fatalf("prefix %q of a valid request: %v, want ErrIncomplete", b[:k], err)
				}
			}
		}
	})
}

// FuzzRequestRoundTrip checks put then get: a request AppendRequest
// accepts parses back to itself, and the bytes are taken whole.
func FuzzRequestRoundTrip(f *testing.F) {
	f.Add(uint8(1), uint16(80), []byte{10, 0, 0, 1}, "bob", "")
	f.Add(uint8(2), uint16(21), []byte{127, 0, 0, 1}, "", "")
	f.Add(uint8(1), uint16(443), []byte{0, 0, 0, 9}, "u", "localhost")
	f.Add(uint8(1), uint16(1), []byte{1, 2, 3, 4}, strings.Repeat("u", MaxField), strings.Repeat("h", MaxField))
	f.Fuzz(func(t *testing.T, cmd uint8, port uint16, ip []byte, user, host string) {
		if len(ip) != 4 {
			return
		}
		r := Request{Command: int(cmd), Port: int(port), IP: netip.AddrFrom4([4]byte(ip)), UserID: user, Host: host}
		b, err := AppendRequest(nil, r)
		if err != nil {
			return
		}
		got, n, err := ParseRequest(append(b, "trailing"...))
		if err != nil || n != len(b) {
			t.Fatalf("ParseRequest(AppendRequest(%+v)) = %v, %d of %d bytes", r, err, n, len(b))
		}
		want := r
		if host != "" && !is4a(r.IP.As4()) {
			want.IP = netip.AddrFrom4([4]byte{0, 0, 0, 1})
		}
		if got != want {
			t.Fatalf("round trip of %+v = %+v", want, got)
		}
	})
}
