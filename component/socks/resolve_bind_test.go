package socks

import (
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

func TestConnect4a(t *testing.T) {
	tg := newTarget(t, nil)
	h := newHarness(t, Options{Resolver: fakeResolver{}})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	if _, err := c.Write(request(t, Request{Command: CmdConnect, Host: "localhost", Port: tg.port, UserID: "u"})); err != nil {
		t.Fatal(err)
	}
	// The reply carries the address the name resolved to (IPv4 preferred).
	if r, want := readReply(t, c), (Reply{Code: Granted, IP: loopback, Port: tg.port}); r != want {
		t.Fatalf("4a reply = %+v, want %+v", r, want)
	}
	dns := h.waitID("socksd_dns_lookup", id)
	if dns[1] != "localhost" || dns[2] != "127.0.0.1" {
		t.Errorf("socksd_dns_lookup = %v, want [id localhost 127.0.0.1]", dns)
	}
	up := h.waitID("socksd_sock_up", id)
	if up[2] != "127.0.0.1" || up[3] != tg.port {
		t.Errorf("socksd_sock_up = %v", up)
	}
	if _, err := c.Write([]byte("4a")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "4a" {
		t.Fatalf("echo = %q, %v", b, err)
	}
}

func TestConnect4aUnknownHost(t *testing.T) {
	h := newHarness(t, Options{Resolver: fakeResolver{}})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	// fakeResolver knows only localhost; no real lookup is made.
	if _, err := c.Write(request(t, Request{Command: CmdConnect, Host: "nowhere.invalid", Port: 80})); err != nil {
		t.Fatal(err)
	}
	if r := readReply(t, c); r.Code != Rejected {
		t.Errorf("reply = %+v, want code %d", r, Rejected)
	}
	expectEOF(t, c)
	rej := h.waitID("socksd_rejected", id)
	if !strings.HasPrefix(rej[2].(string), "dns: ") {
		t.Errorf("socksd_rejected = %v, want a dns reason", rej)
	}
	if n := h.count("socksd_dns_lookup"); n != 0 {
		t.Errorf("%d socksd_dns_lookup events for a failed lookup, want 0", n)
	}
}

// bindRequest sends a BIND for an application server at ip (or, with host
// set, a 4a name) and returns the first reply and the listener ID.
func (h *harness) bindRequest(c net.Conn, r Request) (Reply, []any) {
	h.t.Helper()
	r.Command = CmdBind
	if _, err := c.Write(request(h.t, r)); err != nil {
		h.t.Fatal(err)
	}
	first := readReply(h.t, c)
	if first.Code != Granted || first.IP != loopback || first.Port == 0 {
		h.t.Fatalf("first BIND reply = %+v, want code 90 with 127.0.0.1 and a port", first)
	}
	up := h.wait("socksd_bind_up", func(a []any) bool { return a[3] == first.Port })
	checkID(h.t, "socksd_bind_up ARG1", up[1])
	if up[2] != "127.0.0.1" {
		h.t.Errorf("socksd_bind_up = %v, want 127.0.0.1 and port %d", up, first.Port)
	}
	return first, up
}

func TestBind(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  Request
	}{
		{"socks4", Request{IP: loopback, Port: 21}},
		{"socks4a", Request{Host: "localhost", Port: 21}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{Resolver: fakeResolver{}})
			c := h.dial()
			id := h.wait("socksd_connection", nil)[0].(string)
			first, up := h.bindRequest(c, tc.req)
			if up[0] != id {
				t.Errorf("socksd_bind_up ARG0 = %v, want %s", up[0], id)
			}
			// The application server connects to the address in the reply.
			srv, err := net.Dial("tcp", net.JoinHostPort(first.IP.String(), strconv.Itoa(first.Port)))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			from := srv.LocalAddr().(*net.TCPAddr)
			second := readReply(t, c)
			if want := (Reply{Code: Granted, IP: loopback, Port: from.Port}); second != want {
				t.Errorf("second BIND reply = %+v, want %+v", second, want)
			}
			sockUp := h.waitID("socksd_sock_up", id)
			if sockUp[1] != up[1] || sockUp[2] != "127.0.0.1" || sockUp[3] != from.Port {
				t.Errorf("socksd_sock_up = %v, want [%s %v 127.0.0.1 %d]", sockUp, id, up[1], from.Port)
			}
			// Data flows both ways.
			if _, err := srv.Write([]byte("220 ready\r\n")); err != nil {
				t.Fatal(err)
			}
			b := make([]byte, len("220 ready\r\n"))
			if _, err := io.ReadFull(c, b); err != nil || string(b) != "220 ready\r\n" {
				t.Fatalf("client read %q, %v", b, err)
			}
			if _, err := c.Write([]byte("STOR x\r\n")); err != nil {
				t.Fatal(err)
			}
			b = make([]byte, len("STOR x\r\n"))
			if _, err := io.ReadFull(srv, b); err != nil || string(b) != "STOR x\r\n" {
				t.Fatalf("server read %q, %v", b, err)
			}
			srv.Close()
			expectEOF(t, c)
			down := h.waitID("socksd_sock_down", id)
			if down[1] != up[1] {
				t.Errorf("socksd_sock_down = %v, want link %v", down, up[1])
			}
			h.waitID("socksd_disconnected", id)
		})
	}
}

func TestBindFromWrongHost(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	// The client expects 127.0.0.2; the connection comes from 127.0.0.1.
	first, up := h.bindRequest(c, Request{IP: netip.MustParseAddr("127.0.0.2"), Port: 21})
	srv, err := net.Dial("tcp", net.JoinHostPort(first.IP.String(), strconv.Itoa(first.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if second := readReply(t, c); second.Code != Rejected {
		t.Errorf("second reply = %+v, want code %d", second, Rejected)
	}
	expectEOF(t, c)
	// The intruder's connection is closed too.
	_ = srv.SetReadDeadline(deadline())
	if n, err := srv.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("intruding connection read %d, %v; want it closed", n, err)
	}
	rej := h.waitID("socksd_rejected", id)
	if rej[1] != Rejected || !strings.Contains(rej[2].(string), "127.0.0.2") {
		t.Errorf("socksd_rejected = %v", rej)
	}
	down := h.waitID("socksd_sock_down", id)
	if down[1] != up[1] {
		t.Errorf("socksd_sock_down = %v, want listener %v", down, up[1])
	}
	h.waitID("socksd_disconnected", id)
	if n := h.count("socksd_sock_up"); n != 0 {
		t.Errorf("%d socksd_sock_up, want 0", n)
	}
}

func TestBindNobodyComes(t *testing.T) {
	h := newHarness(t, Options{EstablishTimeOut: 300e6})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	first, _ := h.bindRequest(c, Request{IP: loopback, Port: 21})
	if second := readReply(t, c); second.Code != Rejected {
		t.Errorf("second reply = %+v, want code %d", second, Rejected)
	}
	expectEOF(t, c)
	h.waitID("socksd_disconnected", id)
	// The listener is gone.
	if conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(first.Port))); err == nil {
		conn.Close()
		t.Errorf("BIND listener on port %d still accepts after the timeout", first.Port)
	}
}
