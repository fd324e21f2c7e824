package socks

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/seed02617006/poe/netmask"
)

func TestDeniedExempted(t *testing.T) {
	s := &Server{}
	s.AddDenial(netmask.MustNew2("any"))
	s.AddExemption(netmask.MustNew2("127.0.0.1"))
	s.AddExemption(netmask.MustNew2("192.168.1.0/24"))
	cases := []struct {
		ip               string
		denied, exempted bool
	}{
		{"127.0.0.1", false, true},
		{"127.0.0.2", true, false},
		{"192.168.1.77", false, true},
		{"192.168.2.1", true, false},
		{"10.1.2.3", true, false},
		{"::ffff:127.0.0.1", false, true}, // an IPv4 client on a dual-stack socket
		{"::1", false, false},             // "any" is IPv4's 0.0.0.0/0
		{"not an address", false, false},
	}
	for _, tc := range cases {
		if got := s.Denied(tc.ip); got != tc.denied {
			t.Errorf("Denied(%q) = %v, want %v", tc.ip, got, tc.denied)
		}
		if got := s.Exempted(tc.ip); got != tc.exempted {
			t.Errorf("Exempted(%q) = %v, want %v", tc.ip, got, tc.exempted)
		}
	}
	s.DelExemption(netmask.MustNew2("192.168.1.0/24"))
	if !s.Denied("192.168.1.77") {
		t.Error("Denied(192.168.1.77) = false after DelExemption")
	}
	s.DelDenial(netmask.MustNew2("0.0.0.0/0"))
	if s.Denied("10.1.2.3") {
		t.Error("Denied(10.1.2.3) = true after DelDenial of any")
	}
	s.DelDenial(nil)
	s.DelExemption(nil)
}

func TestDeniedClient(t *testing.T) {
	tg := newTarget(t, nil)
	h := newHarness(t, Options{})
	h.srv.AddDenial(netmask.MustNew2("any"))
	h.srv.AddExemption(netmask.MustNew2("127.0.0.1"))

	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: waitLimit}
	c, err := d.Dial("tcp", h.proxyAddr())
	if err != nil {
		t.Fatalf("dial from 127.0.0.2: %v", err)
	}
	defer c.Close()
	from := c.LocalAddr().(*net.TCPAddr).Port
	// The request may or may not be written before the proxy closes.
	_, _ = c.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: tg.port}))
	_ = c.SetReadDeadline(deadline())
	if b, _ := io.ReadAll(c); len(b) != 0 {
		t.Errorf("denied client read %x, want nothing", b)
	}
	den := h.wait("socksd_denied", nil)
	if den[0] != "127.0.0.2" || den[1] != from {
		t.Errorf("socksd_denied = %v, want [127.0.0.2 %d]", den, from)
	}
	// An exempt client is served meanwhile.
	ok, _ := h.connect(tg.port)
	ok.Close()
	if n := h.count("socksd_connection"); n != 1 {
		t.Errorf("%d socksd_connection events, want 1 (the exempt client's)", n)
	}
}

func TestACLConcurrentUpdates(t *testing.T) {
	// Other goroutines change the lists while clients are checked.
	tg := newTarget(t, nil)
	h := newHarness(t, Options{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nm := netmask.MustNew2(fmt.Sprintf("10.%d.0.0/16", i))
			for {
				select {
				case <-stop:
					return
				default:
				}
				h.srv.AddDenial(nm)
				_ = h.srv.Denied("10.0.0.1")
				h.srv.DelDenial(nm)
				h.srv.AddExemption(nm)
				_ = h.srv.Exempted("127.0.0.1")
				h.srv.DelExemption(nm)
			}
		}()
	}
	for range 5 {
		c, _ := h.connect(tg.port)
		c.Close()
	}
	close(stop)
	wg.Wait()
}

// dropAll is a Dropper that drops every connection after the first n.
type dropAll struct {
	mu   sync.Mutex
	n    int
	seen []netip.AddrPort
}

func (d *dropAll) RunConn(from netip.AddrPort) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen = append(d.seen, from)
	return len(d.seen) > d.n
}

func TestDropper(t *testing.T) {
	tg := newTarget(t, nil)
	d := &dropAll{n: 1}
	h := newHarness(t, Options{Dropper: d})
	c, _ := h.connect(tg.port)
	defer c.Close()
	x := h.dial()
	from := x.LocalAddr().(*net.TCPAddr)
	_ = x.SetReadDeadline(time.Now().Add(waitLimit))
	if b, _ := io.ReadAll(x); len(b) != 0 {
		t.Errorf("dropped client read %x", b)
	}
	drop := h.wait("socksd_dropped", nil)
	if drop[0] != "127.0.0.1" || drop[1] != from.Port {
		t.Errorf("socksd_dropped = %v, want [127.0.0.1 %d]", drop, from.Port)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.seen) != 2 || d.seen[1] != from.AddrPort() {
		t.Errorf("dropper saw %v, want the two clients", d.seen)
	}
}
