package socks

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"
)

// connect makes a SOCKS 4 CONNECT through the proxy to 127.0.0.1:port and
// checks the reply; it returns the tunnel and the client ID.
func (h *harness) connect(port int) (*net.TCPConn, string) {
	h.t.Helper()
	c := h.dial()
	if _, err := c.Write(request(h.t, Request{Command: CmdConnect, IP: loopback, Port: port, UserID: "alice"})); err != nil {
		h.t.Fatal(err)
	}
	r := readReply(h.t, c)
	if want := (Reply{Code: Granted, IP: loopback, Port: port}); r != want {
		h.t.Fatalf("CONNECT reply = %+v, want %+v", r, want)
	}
	args := h.wait("socksd_sock_up", func(a []any) bool { return a[3] == port })
	return c, args[0].(string)
}

func TestConnectEvents(t *testing.T) {
	tg := newTarget(t, nil)
	h := newHarness(t, Options{Alias: "socksd"})
	h.wait("socksd_registered", func(a []any) bool { return a[0] == h.srv })

	c := h.dial()
	local := c.LocalAddr().(*net.TCPAddr)
	conn := h.wait("socksd_connection", nil)
	id := checkID(t, "socksd_connection ARG0", conn[0])
	if conn[1] != "127.0.0.1" || conn[2] != local.Port || conn[3] != "127.0.0.1" || conn[4] != h.port {
		t.Errorf("socksd_connection = %v, want [id 127.0.0.1 %d 127.0.0.1 %d]", conn, local.Port, h.port)
	}
	if _, err := c.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: tg.port})); err != nil {
		t.Fatal(err)
	}
	if r, want := readReply(t, c), (Reply{Code: Granted, IP: loopback, Port: tg.port}); r != want {
		t.Fatalf("reply = %+v, want %+v", r, want)
	}
	up := h.waitID("socksd_sock_up", id)
	link := checkID(t, "socksd_sock_up ARG1", up[1])
	if up[2] != "127.0.0.1" || up[3] != tg.port {
		t.Errorf("socksd_sock_up = %v, want [%s %s 127.0.0.1 %d]", up, id, link, tg.port)
	}

	msg := []byte("hello, through the proxy")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo = %q, %v; want %q", got, err, msg)
	}
	_ = c.CloseWrite()
	expectEOF(t, c)
	down := h.waitID("socksd_sock_down", id)
	if down[1] != link || down[2] != "" {
		t.Errorf("socksd_sock_down = %v, want [%s %s \"\"]", down, id, link)
	}
	h.waitID("socksd_disconnected", id)
	if n := h.count("socksd_rejected"); n != 0 {
		t.Errorf("%d socksd_rejected events, want 0", n)
	}
}

func TestConnectFragmentedRequest(t *testing.T) {
	tg := newTarget(t, nil)
	h := newHarness(t, Options{})
	c := h.dial()
	req := request(t, Request{Command: CmdConnect, IP: loopback, Port: tg.port, UserID: "fragmented"})
	for i := range req {
		if _, err := c.Write(req[i : i+1]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if r := readReply(t, c); r.Code != Granted {
		t.Fatalf("reply to a request sent a byte at a time = %+v, want code %d", r, Granted)
	}
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := io.ReadFull(c, b); err != nil || b[0] != 'x' {
		t.Fatalf("echo = %q, %v", b, err)
	}
}

func TestConnectEarlyData(t *testing.T) {
	tg := newTarget(t, nil)
	h := newHarness(t, Options{})
	c := h.dial()
	// The request and the first data in one segment: the data must reach
	// the target after the request is served.
	msg := append(request(t, Request{Command: CmdConnect, IP: loopback, Port: tg.port}), "early bird"...)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if r := readReply(t, c); r.Code != Granted {
		t.Fatalf("reply = %+v", r)
	}
	got := make([]byte, len("early bird"))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "early bird" {
		t.Fatalf("echo of early data = %q, %v", got, err)
	}
}

func TestBadRequests(t *testing.T) {
	tg := newTarget(t, nil)
	h := newHarness(t, Options{Resolver: fakeResolver{}})
	// A tunnel made first must not be disturbed by what follows.
	good, _ := h.connect(tg.port)

	long := bytes.Repeat([]byte{'u'}, MaxField+1)
	cases := []struct {
		name   string
		input  []byte
		reason string // part of socksd_rejected's ARG2
	}{
		{"socks5 greeting", []byte{5, 1, 0}, "unsupported version 5"},
		{"version 0", []byte{0, 1, 0, 80, 127, 0, 0, 1, 0}, "unsupported version 0"},
		{"unknown command", []byte{4, 3, 0, 80, 127, 0, 0, 1, 0}, "unknown command 3"},
		{"command 0", []byte{4, 0, 0, 80, 127, 0, 0, 1, 0}, "unknown command 0"},
		{"address 0.0.0.0", []byte{4, 1, 0, 80, 0, 0, 0, 0, 0}, "0.0.0.0"},
		{"userid without NUL", append([]byte{4, 1, 0, 80, 127, 0, 0, 1}, long...), "USERID"},
		{"4a host without NUL", append([]byte{4, 1, 0, 80, 0, 0, 0, 1, 'u', 0}, long...), "host name"},
		{"4a empty host", []byte{4, 1, 0, 80, 0, 0, 0, 9, 'u', 0, 0}, "host name"},
		{"http request", []byte("GET / HTTP/1.0\r\n\r\n"), "unsupported version 71"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.dial()
			id := h.wait("socksd_connection", func(a []any) bool { return a[2] == c.LocalAddr().(*net.TCPAddr).Port })[0].(string)
			if _, err := c.Write(tc.input); err != nil {
				t.Fatal(err)
			}
			if r := readReply(t, c); r.Code != Rejected {
				t.Errorf("reply to %q = %+v, want code %d", tc.input, r, Rejected)
			}
			expectEOF(t, c)
			rej := h.waitID("socksd_rejected", id)
			if rej[1] != Rejected || !bytes.Contains([]byte(rej[2].(string)), []byte(tc.reason)) {
				t.Errorf("socksd_rejected = %v, want code %d and a reason with %q", rej, Rejected, tc.reason)
			}
			h.waitID("socksd_disconnected", id)
		})
	}
	// The first tunnel still works.
	if _, err := good.Write([]byte("still here")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, len("still here"))
	if _, err := io.ReadFull(good, b); err != nil || string(b) != "still here" {
		t.Fatalf("echo on the first tunnel = %q, %v", b, err)
	}
	if n := h.count("socksd_sock_down"); n != 0 {
		t.Errorf("%d socksd_sock_down events, want 0: %s", n, h.dump())
	}
}

func TestHalfRequestTimesOut(t *testing.T) {
	h := newHarness(t, Options{EstablishTimeOut: 200 * time.Millisecond})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	start := time.Now()
	if _, err := c.Write([]byte{4, 1, 0}); err != nil {
		t.Fatal(err)
	}
	if r := readReply(t, c); r.Code != Rejected {
		t.Errorf("reply to half a request = %+v, want code %d", r, Rejected)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("rejected after %v, want the establishment limit of 200ms", d)
	}
	expectEOF(t, c)
	rej := h.waitID("socksd_rejected", id)
	if rej[1] != Rejected || !bytes.Contains([]byte(rej[2].(string)), []byte("timeout")) {
		t.Errorf("socksd_rejected = %v, want a timeout", rej)
	}
	h.waitID("socksd_disconnected", id)
}

func TestConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	h := newHarness(t, Options{})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	if _, err := c.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: port})); err != nil {
		t.Fatal(err)
	}
	if r, want := readReply(t, c), (Reply{Code: Rejected, IP: loopback, Port: port}); r != want {
		t.Errorf("reply = %+v, want %+v", r, want)
	}
	expectEOF(t, c)
	rej := h.waitID("socksd_rejected", id)
	if rej[1] != Rejected || rej[2] != "connect: Connection refused" {
		t.Errorf("socksd_rejected = %v, want [id 91 \"connect: Connection refused\"]", rej)
	}
	h.waitID("socksd_disconnected", id)
	if n := h.count("socksd_sock_up"); n != 0 {
		t.Errorf("%d socksd_sock_up, want 0", n)
	}
}

// stuckDialer never connects: a destination that does not answer.
type stuckDialer struct{ calls chan string }

func (d stuckDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.calls <- addr
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestConnectNeverAnswers(t *testing.T) {
	d := stuckDialer{calls: make(chan string, 1)}
	h := newHarness(t, Options{Dialer: d, EstablishTimeOut: 300 * time.Millisecond})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	if _, err := c.Write(request(t, Request{Command: CmdConnect, IP: netip.MustParseAddr("127.0.0.9"), Port: 9})); err != nil {
		t.Fatal(err)
	}
	if got := <-d.calls; got != "127.0.0.9:9" {
		t.Errorf("dialled %q, want 127.0.0.9:9", got)
	}
	if r := readReply(t, c); r.Code != Rejected {
		t.Errorf("reply = %+v, want code %d", r, Rejected)
	}
	expectEOF(t, c)
	rej := h.waitID("socksd_rejected", id)
	if !bytes.Contains([]byte(rej[2].(string)), []byte("timeout")) {
		t.Errorf("socksd_rejected = %v, want a timeout", rej)
	}
	h.waitID("socksd_disconnected", id)
}

func TestClientLeavesDuringConnect(t *testing.T) {
	d := stuckDialer{calls: make(chan string, 1)}
	h := newHarness(t, Options{Dialer: d})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	if _, err := c.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: 9})); err != nil {
		t.Fatal(err)
	}
	<-d.calls
	// A reset: the client is gone (after a FIN it could still read, and
	// would get its reply).
	_ = c.SetLinger(0)
	c.Close()
	// The pending connect is cancelled with the client.
	h.waitID("socksd_disconnected", id)
	if n := h.count("socksd_rejected"); n != 0 {
		t.Errorf("%d socksd_rejected events for a client that left, want 0", n)
	}
}

func TestHalfCloseBeforeReply(t *testing.T) {
	// A client that sends its request, its data and its EOF at once, as
	// `printf ... | nc` does, still gets the reply and the answer; the
	// EOF reaches the target after the data.
	tg := newTarget(t, nil)
	h := newHarness(t, Options{})
	c := h.dial()
	msg := append(request(t, Request{Command: CmdConnect, IP: loopback, Port: tg.port}), "all at once"...)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	_ = c.CloseWrite()
	out, err := io.ReadAll(c)
	if err != nil || len(out) < ReplyLen || out[1] != Granted || string(out[ReplyLen:]) != "all at once" {
		t.Fatalf("read %q, %v; want a 90 reply and the echo", out, err)
	}
	c.Close()
	h.wait("socksd_disconnected", nil)
}

// lateDialer connects, but only after delay, whatever its context says.
type lateDialer struct{ delay time.Duration }

func (d lateDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	time.Sleep(d.delay)
	var nd net.Dialer
	return nd.Dial(network, addr)
}

func TestConnectTooLate(t *testing.T) {
	// The connection comes after the client was rejected: it is closed,
	// not leaked, and the client is not told twice.
	ended := make(chan error, 1)
	tg := newTarget(t, func(c net.Conn) {
		_, err := io.Copy(io.Discard, c)
		ended <- err
	})
	h := newHarness(t, Options{Dialer: lateDialer{400 * time.Millisecond}, EstablishTimeOut: 100 * time.Millisecond})
	c := h.dial()
	if _, err := c.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: tg.port})); err != nil {
		t.Fatal(err)
	}
	if r := readReply(t, c); r.Code != Rejected {
		t.Errorf("reply = %+v, want %d", r, Rejected)
	}
	expectEOF(t, c)
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("late connection ended with %v, want EOF", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("late connection to the target left open")
	}
	if n := h.count("socksd_sock_up"); n != 0 {
		t.Errorf("%d socksd_sock_up for a rejected client", n)
	}
}
