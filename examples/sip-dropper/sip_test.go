package main

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

var testSrc = netip.MustParseAddrPort("127.0.0.1:40000")

func fixedTag() string { return "t1" }

// crlf turns the LF line ends of a test message into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

const okRegister = `REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK1;rport
From: <sip:a@127.0.0.1>;tag=f
To: <sip:a@127.0.0.1>
Call-ID: c1
CSeq: 7 REGISTER
Contact: <sip:a@127.0.0.1:40000>
Content-Length: 0

`

func TestRespond(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		src    netip.AddrPort
		want   string // "" when no reply is due
		wantTo string
	}{
		{
			name: "REGISTER: 200 with rport, received, To tag, default expiry",
			in:   crlf(okRegister),
			want: `SIP/2.0 200 OK
Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK1;rport=40000;received=127.0.0.1
From: <sip:a@127.0.0.1>;tag=f
To: <sip:a@127.0.0.1>;tag=t1
Call-ID: c1
CSeq: 7 REGISTER
Contact: <sip:a@127.0.0.1:40000>;expires=3600
Server: poe-sip-dropper
Content-Length: 0

`,
			wantTo: "127.0.0.1:40000",
		},
		{
			name: "LF line ends, compact names, folding, Vias in one field and two",
			in: `REGISTER sip:x SIP/2.0
v: SIP/2.0/UDP 127.0.0.1:5070;branch=b1, SIP/2.0/UDP proxy.example;branch=b0
Via: SIP/2.0/TCP [2001:db8::1]:5062;branch=bz
f: <sip:a@x>;tag=f
t: "Alice, A." <sip:a@x>;tag=already
i: c2
CSeq: 1
 REGISTER
m: "Bob, B." <sip:b@h:1>, <sip:b@h:2>;expires=0, sip:b@h:3;expires=30
Expires: 60

`,
			want: `SIP/2.0 200 OK
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=b1
Via: SIP/2.0/UDP proxy.example;branch=b0
Via: SIP/2.0/TCP [2001:db8::1]:5062;branch=bz
From: <sip:a@x>;tag=f
To: "Alice, A." <sip:a@x>;tag=already
Call-ID: c2
CSeq: 1 REGISTER
Contact: "Bob, B." <sip:b@h:1>;expires=60
Contact: sip:b@h:3;expires=30
Server: poe-sip-dropper
Content-Length: 0

`,
			// No rport: sent-by's port, at the source address.
			wantTo: "127.0.0.1:5070",
		},
		{
			name: "sent-by names another host: received added, port 5060",
			in: crlf(`REGISTER sip:x SIP/2.0
Via: SIP/2.0/UDP client.example;branch=b
From: <sip:a@x>;tag=f
To: <sip:a@x>
Call-ID: c3
CSeq: 2 REGISTER
Contact: *
Expires: 0

`),
			want: `SIP/2.0 200 OK
Via: SIP/2.0/UDP client.example;branch=b;received=127.0.0.1
From: <sip:a@x>;tag=f
To: <sip:a@x>;tag=t1
Call-ID: c3
CSeq: 2 REGISTER
Server: poe-sip-dropper
Content-Length: 0

`,
			wantTo: "127.0.0.1:5060",
		},
		{
			name: "IPv6 source, rport with a stale value replaced",
			in: crlf(`REGISTER sip:x SIP/2.0
Via: SIP/2.0/UDP [::1]:7;rport=1;received=192.0.2.1;branch=b
From: <sip:a@x>;tag=f
To: sip:a@x
Call-ID: c4
CSeq: 3 REGISTER

`),
			src: netip.MustParseAddrPort("[::1]:6000"),
			want: `SIP/2.0 200 OK
Via: SIP/2.0/UDP [::1]:7;rport=6000;received=::1;branch=b
From: <sip:a@x>;tag=f
To: sip:a@x;tag=t1
Call-ID: c4
CSeq: 3 REGISTER
Server: poe-sip-dropper
Content-Length: 0

`,
			wantTo: "[::1]:6000",
		},
		{
			name: "INVITE: 501 with Allow",
			in:   crlf(strings.ReplaceAll(okRegister, "REGISTER", "INVITE")),
			want: `SIP/2.0 501 Not Implemented
Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK1;rport=40000;received=127.0.0.1
From: <sip:a@127.0.0.1>;tag=f
To: <sip:a@127.0.0.1>;tag=t1
Call-ID: c1
CSeq: 7 INVITE
Allow: REGISTER
Server: poe-sip-dropper
Content-Length: 0

`,
			wantTo: "127.0.0.1:40000",
		},
		{
			name: "missing Call-ID: 400",
			in:   crlf(strings.Replace(okRegister, "Call-ID: c1\n", "", 1)),
			want: `SIP/2.0 400 Bad Request
Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK1;rport=40000;received=127.0.0.1
From: <sip:a@127.0.0.1>;tag=f
To: <sip:a@127.0.0.1>;tag=t1
CSeq: 7 REGISTER
Server: poe-sip-dropper
Content-Length: 0

`,
			wantTo: "127.0.0.1:40000",
		},
		{
			name:   "CSeq method differs from the request's: 400",
			in:     crlf(strings.Replace(okRegister, "CSeq: 7 REGISTER", "CSeq: 7 INVITE", 1)),
			want:   "SIP/2.0 400 Bad Request\n",
			wantTo: "127.0.0.1:40000",
		},
		{
			name:   "CSeq not a number: 400",
			in:     crlf(strings.Replace(okRegister, "CSeq: 7", "CSeq: x", 1)),
			want:   "SIP/2.0 400 Bad Request\n",
			wantTo: "127.0.0.1:40000",
		},
		{
			name:   "a header line without a colon: 400",
			in:     crlf(strings.Replace(okRegister, "Content-Length: 0", "Content-Length 0", 1)),
			want:   "SIP/2.0 400 Bad Request\n",
			wantTo: "127.0.0.1:40000",
		},
		{
			name:   "a control byte in a field: 400, and the field is not copied",
			in:     crlf(strings.Replace(okRegister, "tag=f", "tag=f\rInjected: yes", 1)),
			want:   "SIP/2.0 400 Bad Request\n",
			wantTo: "127.0.0.1:40000",
		},
		{name: "ACK: nothing", in: crlf(strings.ReplaceAll(okRegister, "REGISTER", "ACK"))},
		{name: "a response: nothing", in: crlf("SIP/2.0 200 OK\nVia: SIP/2.0/UDP 127.0.0.1:1\nCall-ID: c\n\n")},
		{name: "no Via: nothing", in: crlf(strings.Replace(okRegister, "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK1;rport\n", "", 1))},
		{name: "Via without sent-by: nothing", in: crlf(strings.Replace(okRegister, "UDP 127.0.0.1:40000;", "UDP ;", 1))},
		{name: "Via port out of range: nothing", in: crlf(strings.Replace(okRegister, ":40000;branch", ":65536;branch", 1))},
		{name: "Via not SIP/2.0: nothing", in: crlf(strings.Replace(okRegister, "SIP/2.0/UDP", "HTTP/1.1/UDP", 1))},
		{name: "not SIP: nothing", in: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "empty: nothing", in: ""},
		{name: "keep-alive: nothing", in: "\r\n\r\n"},
		{name: "too many fields: nothing", in: crlf(strings.Replace(okRegister, "Content-Length: 0\n", strings.Repeat("X: y\n", maxHeaders), 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if !src.IsValid() {
				src = testSrc
			}
			r, ok := respond([]byte(tt.in), src, fixedTag)
			if tt.want == "" {
				if ok {
					t.Fatalf("respond(%q) = %q, want no reply", tt.in, r.payload)
				}
				return
			}
			if !ok {
				t.Fatalf("respond(%q): no reply, want %q", tt.in, tt.want)
			}
			got := string(r.payload)
			want := crlf(tt.want)
			if strings.Count(tt.want, "\n") == 1 {
				// Only the status line is given.
				got, _, _ = strings.Cut(got, "\r\n")
				want = strings.TrimSuffix(want, "\r\n")
			}
			if got != want {
				t.Errorf("respond(%q) =\n%s\nwant\n%s", tt.in, got, want)
			}
			if r.to.String() != tt.wantTo {
				t.Errorf("respond(%q) goes to %v, want %s", tt.in, r.to, tt.wantTo)
			}
			if bytes.Contains(r.payload, []byte("Injected")) {
				t.Errorf("respond(%q) copied an injected field: %q", tt.in, r.payload)
			}
		})
	}
}

func TestSplitList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a", []string{"a"}},
		{"a, b ,c", []string{"a", "b", "c"}},
		{`"x, y" <sip:a@b>, <sip:c,d@e>;p="1,2"`, []string{`"x, y" <sip:a@b>`, `<sip:c,d@e>;p="1,2"`}},
		{`"a\", b" <sip:x>, y`, []string{`"a\", b" <sip:x>`, "y"}},
		{" , ,", nil},
	}
	for _, tt := range tests {
		if got := splitList(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzRespond checks that any datagram gets either no reply or a
// well-formed response that carries the request's Call-ID, CSeq, From and
// lower Vias unchanged, goes to the sender's address, and holds no
// control byte outside its CRLFs.
func FuzzRespond(f *testing.F) {
	f.Add([]byte(crlf(okRegister)), uint16(40000))
	f.Add([]byte(okRegister), uint16(1))
	f.Add([]byte(crlf(strings.ReplaceAll(okRegister, "REGISTER", "OPTIONS"))), uint16(5060))
	f.Add([]byte("REGISTER sip:x SIP/2.0\nv: SIP/2.0/UDP h, SIP/2.0/UDP [::1]:9;rport\nf: a\nt: b;tag=1\ni: c\nCSeq: 1 REGISTER\nm: *\n\n"), uint16(2))
	f.Add([]byte("INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP [::1\r\n\r\n"), uint16(3))
	f.Add([]byte("SIP/2.0 200 OK\r\n\r\n"), uint16(4))
	f.Fuzz(func(t *testing.T, data []byte, port uint16) {
		src := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.9"), port)
		r, ok := respond(data, src, fixedTag)
		if !ok {
			return
		}
		req, err := parseRequest(data)
		if len(req.via) == 0 {
			t.Fatalf("reply %q to a request without Via (%v)", r.payload, err)
		}
		if r.to.Addr() != src.Addr() || r.to.Port() == 0 {
			t.Errorf("reply to %v, want %v and a port", r.to, src.Addr())
		}
		body := bytes.ReplaceAll(r.payload, []byte("\r\n"), nil)
		if hasControl(string(body)) {
			t.Errorf("reply %q holds a control byte", r.payload)
		}
		first, hdr, perr := parseResponse(r.payload)
		if perr != nil {
			t.Fatalf("reply %q: %v", r.payload, perr)
		}
		if !bytes.HasSuffix(r.payload, []byte("\r\n\r\n")) || bytes.Count(r.payload, []byte("\r\n\r\n")) != 1 {
			t.Errorf("reply %q: the header does not end once, at the end", r.payload)
		}
		if want := []string{"SIP/2.0 200 OK", "SIP/2.0 400 Bad Request", "SIP/2.0 501 Not Implemented"}; !slices.Contains(want, first) {
			t.Errorf("status line %q", first)
		}
		same := func(name, v string) {
			got := hdr[name]
			if v == "" && len(got) == 0 {
				return
			}
			if len(got) != 1 || got[0] != v {
				t.Errorf("reply %s = %q, want [%q]", name, got, v)
			}
		}
		same("call-id", req.callID)
		same("cseq", req.cseq)
		same("from", req.from)
		if vias := hdr["via"]; len(vias) != len(req.via) || !slices.Equal(vias[1:], req.via[1:]) {
			t.Errorf("reply Vias %q, want the request's %q below the top", vias, req.via)
		}
	})
}
