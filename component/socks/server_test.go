package socks

import (
	"bytes"
	"io"
	"net"
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
