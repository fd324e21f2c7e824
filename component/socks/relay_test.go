package socks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestIdent(t *testing.T) {
	type query struct{ client, server netip.AddrPort }
	cases := []struct {
		name   string
		user   string
		err    error
		code   int
		reason string
	}{
		{"match", "alice", nil, Granted, ""},
		{"mismatch", "mallory", nil, IdentMismatch, `identd says "mallory", request says "alice"`},
		{"no identd", "", errors.New("dial tcp 127.0.0.1:113: connect: connection refused"), NoIdentd, "connection refused"},
		{"no user", "", fmt.Errorf("%w: NO-USER", ErrIdentNoUser), IdentMismatch, "NO-USER"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t, nil)
			queries := make(chan query, 1)
			h := newHarness(t, Options{Ident: true, IdentLookup: func(ctx context.Context, client, server netip.AddrPort) (string, error) {
				queries <- query{client, server}
				return tc.user, tc.err
			}})
			c := h.dial()
			id := h.wait("socksd_connection", nil)[0].(string)
			if _, err := c.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: tg.port, UserID: "alice"})); err != nil {
				t.Fatal(err)
			}
			r := readReply(t, c)
			if r.Code != tc.code {
				t.Errorf("reply = %+v, want code %d", r, tc.code)
			}
			// identd is asked about the client's connection: its port
			// there and ours.
			q := <-queries
			want := query{c.LocalAddr().(*net.TCPAddr).AddrPort(), c.RemoteAddr().(*net.TCPAddr).AddrPort()}
			if q != want {
				t.Errorf("ident query = %v, want %v", q, want)
			}
			if tc.code == Granted {
				h.waitID("socksd_sock_up", id)
				if _, err := c.Write([]byte("ok")); err != nil {
					t.Fatal(err)
				}
				b := make([]byte, 2)
				if _, err := io.ReadFull(c, b); err != nil {
					t.Fatal(err)
				}
				if n := h.count("socksd_rejected"); n != 0 {
					t.Errorf("%d socksd_rejected for a matching ident answer", n)
				}
				return
			}
			expectEOF(t, c)
			rej := h.waitID("socksd_rejected", id)
			if rej[1] != tc.code || !strings.Contains(rej[2].(string), tc.reason) {
				t.Errorf("socksd_rejected = %v, want code %d with %q", rej, tc.code, tc.reason)
			}
			if n := h.count("socksd_sock_up"); n != 0 {
				t.Errorf("%d socksd_sock_up after a rejection", n)
			}
		})
	}
}

func TestIdentThen4a(t *testing.T) {
	// ident must be answered before the name is looked up: the lookup of
	// a rejected client is never made (the original raced the two).
	lookups := make(chan string, 4)
	h := newHarness(t, Options{
		Ident: true,
		IdentLookup: func(ctx context.Context, client, server netip.AddrPort) (string, error) {
			return "bob", nil
		},
		Resolver: countingResolver{lookups},
	})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	if _, err := c.Write(request(t, Request{Command: CmdConnect, Host: "localhost", Port: 1, UserID: "alice"})); err != nil {
		t.Fatal(err)
	}
	if r := readReply(t, c); r.Code != IdentMismatch {
		t.Errorf("reply = %+v, want %d", r, IdentMismatch)
	}
	expectEOF(t, c)
	h.waitID("socksd_disconnected", id)
	if len(lookups) != 0 {
		t.Errorf("looked up %q for a client ident rejected", <-lookups)
	}
}

type countingResolver struct{ names chan string }

func (r countingResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	r.names <- host
	return fakeResolver{}.LookupHost(ctx, host)
}

func TestHalfClose(t *testing.T) {
	t.Run("client first", func(t *testing.T) {
		// The target reads to EOF, then answers: the client's half-close
		// must reach it while the way back stays open.
		tg := newTarget(t, func(c net.Conn) {
			b, _ := io.ReadAll(c)
			_, _ = c.Write(bytes.ToUpper(b))
			_ = c.(*net.TCPConn).CloseWrite()
		})
		h := newHarness(t, Options{})
		c, id := h.connect(tg.port)
		if _, err := c.Write([]byte("request body")); err != nil {
			t.Fatal(err)
		}
		_ = c.CloseWrite()
		b, err := io.ReadAll(c)
		if err != nil || string(b) != "REQUEST BODY" {
			t.Fatalf("answer after half-close = %q, %v; want %q", b, err, "REQUEST BODY")
		}
		c.Close()
		if down := h.waitID("socksd_sock_down", id); down[2] != "" {
			t.Errorf("socksd_sock_down = %v, want a clean end", down)
		}
		h.waitID("socksd_disconnected", id)
	})
	t.Run("target first", func(t *testing.T) {
		// The target says its piece and half-closes, then reads the
		// client's answer to EOF.
		got := make(chan string, 1)
		tg := newTarget(t, func(c net.Conn) {
			_, _ = c.Write([]byte("greeting"))
			_ = c.(*net.TCPConn).CloseWrite()
			b, _ := io.ReadAll(c)
			got <- string(b)
		})
		h := newHarness(t, Options{})
		c, id := h.connect(tg.port)
		b, err := io.ReadAll(c)
		if err != nil || string(b) != "greeting" {
			t.Fatalf("client read %q, %v", b, err)
		}
		if _, err := c.Write([]byte("answer after EOF")); err != nil {
			t.Fatal(err)
		}
		_ = c.CloseWrite()
		select {
		case s := <-got:
			if s != "answer after EOF" {
				t.Errorf("target read %q", s)
			}
		case <-time.After(waitLimit):
			t.Fatal("target did not get the client's answer")
		}
		h.waitID("socksd_disconnected", id)
	})
}

func TestIdleTimeOut(t *testing.T) {
	tg := newTarget(t, nil)
	const timeOut = 300 * time.Millisecond
	h := newHarness(t, Options{TimeOut: timeOut})
	c, id := h.connect(tg.port)
	// Traffic keeps the tunnel open well past TimeOut: the echo counts
	// both ways.
	b := make([]byte, 1)
	for i := range 8 {
		time.Sleep(timeOut / 3)
		if _, err := c.Write([]byte{byte('a' + i)}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	if n := h.count("socksd_disconnected"); n != 0 {
		t.Fatalf("tunnel with traffic closed by the idle limit")
	}
	idleFrom := time.Now()
	expectEOF(t, c)
	if d := time.Since(idleFrom); d < timeOut*3/4 {
		t.Errorf("closed after %v of silence, want about %v", d, timeOut)
	}
	if down := h.waitID("socksd_sock_down", id); down[2] != "timeout" {
		t.Errorf("socksd_sock_down = %v, want reason timeout", down)
	}
	h.waitID("socksd_disconnected", id)
}

func TestIdleCountsTrafficFromTarget(t *testing.T) {
	// Only the target talks: that is traffic too.
	const timeOut = 300 * time.Millisecond
	tg := newTarget(t, func(c net.Conn) {
		for range 8 {
			time.Sleep(timeOut / 3)
			if _, err := c.Write([]byte{'.'}); err != nil {
				return
			}
		}
		_, _ = io.Copy(io.Discard, c)
	})
	h := newHarness(t, Options{TimeOut: timeOut})
	c, _ := h.connect(tg.port)
	b := make([]byte, 8)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("tunnel closed while the target was talking: %v", err)
	}
}

func TestBackPressure(t *testing.T) {
	// A target that never reads: the client's bytes are forwarded
	// (wheel.ReadWrite.Forward) to the target's wheel, which reads at
	// most two chunks ahead of what it has written; then the socket
	// buffers fill and the client's writes stall.
	release := make(chan struct{})
	tg := newTarget(t, func(c net.Conn) { <-release; _, _ = io.Copy(io.Discard, c) })
	h := newHarness(t, Options{})
	c, id := h.connect(tg.port)
	chunk := make([]byte, 64<<10)
	total := 0
	for {
		_ = c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Write(chunk)
		total += n
		if err != nil {
			break
		}
		if total > 256<<20 {
			t.Fatalf("wrote %d bytes to a target that does not read", total)
		}
	}
	var buffered int
	var forwarded int64
	h.probe(func() {
		cl := h.srv.clients[id]
		buffered = cl.link.GetDriverOutOctets()
		forwarded = cl.wheel.ForwardedOctets()
	})
	if forwarded == 0 {
		t.Errorf("client wheel forwarded 0 bytes with %d buffered for the target, want the tunnel on the forwarding path", buffered)
	}
	// Two reads of 128 KiB (doc.go: a stalled side holds at most two
	// reads of the other).
	if limit := 2 * 128 << 10; buffered > limit {
		t.Errorf("proxy buffers %d bytes for a stalled target, want at most %d", buffered, limit)
	}
	t.Logf("client wrote %d bytes before stalling; the proxy holds %d", total, buffered)
	close(release)
	// Once the target reads, the tunnel moves again.
	_ = c.SetWriteDeadline(time.Now().Add(waitLimit))
	if _, err := c.Write(chunk); err != nil {
		t.Fatalf("write after the target resumed: %v", err)
	}
}

func TestShutdownClosesEverything(t *testing.T) {
	upstream := make(chan error, 2)
	tg := newTarget(t, func(c net.Conn) {
		_, err := io.Copy(io.Discard, c)
		upstream <- err
	})
	stuck := stuckDialer{calls: make(chan string, 1)}
	h := newHarness(t, Options{Dialer: dialerSwitch{tg.port, stuck}})
	c, id := h.connect(tg.port)
	// A second client still connecting.
	p := h.dial()
	if _, err := p.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: 1})); err != nil {
		t.Fatal(err)
	}
	<-stuck.calls
	h.srv.Shutdown()
	expectEOF(t, c)
	expectEOF(t, p)
	// The target's connection is closed too (the original left it open).
	select {
	case err := <-upstream:
		if err != nil {
			t.Errorf("target's connection ended with %v, want EOF", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("target's connection still open after shutdown")
	}
	if down := h.waitID("socksd_sock_down", id); down[2] != "shutdown" {
		t.Errorf("socksd_sock_down = %v, want reason shutdown", down)
	}
	h.waitID("socksd_disconnected", id)
	h.wait("socksd_disconnected", func(a []any) bool { return a[0] != id })
	select {
	case err := <-h.done:
		h.done <- err // for Cleanup
	case <-time.After(waitLimit):
		t.Fatal("kernel still running after shutdown")
	}
	if conn, err := net.Dial("tcp", h.proxyAddr()); err == nil {
		conn.Close()
		t.Error("proxy still listening after shutdown")
	}
}

// dialerSwitch dials port for real and hands everything else to other.
type dialerSwitch struct {
	port  int
	other Dialer
}

func (d dialerSwitch) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if strings.HasSuffix(addr, fmt.Sprintf(":%d", d.port)) {
		var nd net.Dialer
		return nd.DialContext(ctx, network, addr)
	}
	return d.other.DialContext(ctx, network, addr)
}
