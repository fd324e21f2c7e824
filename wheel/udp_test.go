package wheel_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"testing"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// udpServer runs a session with a UDP wheel that echoes datagrams and
// stops on "quit"; it reports the wheel's address.
func (r *rig) udpServer(opts wheel.UDPOptions) string {
	t := r.t
	addr := make(chan string, 1)
	opts.InputEvent, opts.ErrorEvent = "input", "error"
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			u, err := wheel.NewUDP(e.Kernel, opts)
			if err != nil {
				t.Errorf("NewUDP: %v", err)
				addr <- ""
				return nil
			}
			e.Heap["udp"] = u
			a, p := u.Getsockname()
			addr <- net.JoinHostPort(a, strconv.Itoa(p))
			return nil
		},
		"input": func(e *kernel.Event) any {
			d := e.Args[0].(wheel.Datagram)
			r.log.Add("input %q from %s %v", d.Payload, d.Addr, e.Args[1] == e.Heap["udp"].(*wheel.UDP).ID())
			if string(d.Payload) == "quit" {
				e.Heap.Delete("udp")
				return nil
			}
			if _, err := e.Heap["udp"].(*wheel.UDP).Put(d); err != nil {
				t.Errorf("Put: %v", err)
			}
			return nil
		},
		"dropped": func(e *kernel.Event) any {
			r.log.Add("dropped from %v", e.Args[0])
			return nil
		},
		"error": func(e *kernel.Event) any {
			r.log.Add("error %v %v", e.Args[0], e.Args[1])
			e.Heap.Delete("udp")
			return nil
		},
	})
	return <-addr
}

func TestUDPEcho(t *testing.T) {
	r := newRig(t)
	addr := r.udpServer(wheel.UDPOptions{})
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline(c)
	buf := make([]byte, 100)
	for _, msg := range []string{"ping", "", "pong"} {
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != msg {
			t.Errorf("echo = %q, %v; want %q", buf[:n], err, msg)
		}
	}
	c.Write([]byte("quit"))
	r.wait()
	want := []string{`input "ping" from 127.0.0.1 true`, `input "" from 127.0.0.1 true`, `input "pong" from 127.0.0.1 true`, `input "quit" from 127.0.0.1 true`}
	if got := r.log.All(); !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// TestUDPDrop: the Drop hook sees each datagram in the wheel's goroutine;
// dropped ones never reach InputEvent, and DropEvent reports each.
func TestUDPDrop(t *testing.T) {
	r := newRig(t)
	var seen []netip.AddrPort // written only by the wheel's reader
	addr := r.udpServer(wheel.UDPOptions{
		Drop: func(from netip.AddrPort, p []byte) bool {
			seen = append(seen, from)
			return bytes.HasPrefix(p, []byte("flood"))
		},
		DropEvent: "dropped",
	})
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline(c)
	for i := range 5 {
		c.Write([]byte(fmt.Sprint("flood ", i)))
	}
	c.Write([]byte("fine"))
	buf := make([]byte, 100)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "fine" {
		t.Errorf("echo = %q, %v; want fine", buf[:n], err)
	}
	c.Write([]byte("quit"))
	r.wait()
	local := c.LocalAddr().(*net.UDPAddr).Port
	var want []string
	for range 5 {
		want = append(want, "dropped from 127.0.0.1")
	}
	want = append(want, `input "fine" from 127.0.0.1 true`, `input "quit" from 127.0.0.1 true`)
	if got := r.log.All(); !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
	if len(seen) != 7 || int(seen[0].Port()) != local || !seen[0].Addr().Is4() {
		t.Errorf("Drop saw %v, want 7 datagrams from 127.0.0.1:%d", seen, local)
	}
}

// TestUDPConnectedPeerRefuses: a connected socket whose peer has no
// listener reads ECONNREFUSED (ICMP port unreachable), reported as a read
// error.
func TestUDPConnectedPeerRefuses(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			u, err := wheel.NewUDP(e.Kernel, wheel.UDPOptions{PeerAddr: "127.0.0.1", PeerPort: port, InputEvent: "input", ErrorEvent: "error"})
			if err != nil {
				t.Fatalf("NewUDP: %v", err)
			}
			e.Heap["udp"] = u
			if n, err := u.Put(wheel.Datagram{Payload: []byte("anyone?")}); n != 7 || err != nil {
				t.Errorf("Put = %d, %v; want 7, nil", n, err)
			}
			return nil
		},
		"error": func(e *kernel.Event) any {
			r.log.Add("error %v %v %v", e.Args[0], e.Args[1], e.Args[2])
			e.Heap.Delete("udp")
			return nil
		},
	})
	r.wait()
	want := fmt.Sprintf("error read %d Connection refused", int(syscall.ECONNREFUSED))
	if got := r.log.All(); len(got) != 1 || got[0] != want {
		t.Errorf("events = %q, want [%q]", got, want)
	}
}

// TestUDPSendOnly: without InputEvent the wheel does not read and, as in
// POE, does not keep its session alive.
func TestUDPSendOnly(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	deadline(pc.(*net.UDPConn))
	to := pc.LocalAddr().(*net.UDPAddr)
	var u *wheel.UDP
	r := newRig(t)
	r.run(kernel.States{"_start": func(e *kernel.Event) any {
		u, err = wheel.NewUDP(e.Kernel, wheel.UDPOptions{DefaultAddr: "127.0.0.1", DefaultPort: to.Port})
		if err != nil {
			t.Fatalf("NewUDP: %v", err)
		}
		if _, err := u.Put(wheel.Datagram{Payload: []byte("one")}, wheel.Datagram{Payload: []byte("two"), Addr: "127.0.0.1", Port: to.Port}); err != nil {
			t.Errorf("Put: %v", err)
		}
		return nil
	}})
	r.wait()
	buf := make([]byte, 10)
	for _, want := range []string{"one", "two"} {
		if n, _, err := pc.ReadFrom(buf); err != nil || string(buf[:n]) != want {
			t.Errorf("received %q, %v; want %q", buf[:n], err, want)
		}
	}
	u.Close()
	if _, err := u.Put(wheel.Datagram{Payload: []byte("late")}); !errors.Is(err, wheel.ErrClosed) {
		t.Errorf("Put after Close: error = %v, want ErrClosed", err)
	}
}

func TestUDPErrors(t *testing.T) {
	r := newRig(t).run(kernel.States{"_start": func(e *kernel.Event) any {
		for _, tc := range []struct {
			opts wheel.UDPOptions
			want error
		}{
			{wheel.UDPOptions{LocalAddr: "localhost"}, wheel.ErrOption},
			{wheel.UDPOptions{LocalPort: -1}, wheel.ErrOption},
			{wheel.UDPOptions{PeerAddr: "127.0.0.1"}, wheel.ErrOption},
			{wheel.UDPOptions{DefaultPort: 7}, wheel.ErrOption},
		} {
			if _, err := wheel.NewUDP(e.Kernel, tc.opts); !errors.Is(err, tc.want) {
				t.Errorf("NewUDP(%+v) error = %v, want %v", tc.opts, err, tc.want)
			}
		}
		u, err := wheel.NewUDP(e.Kernel, wheel.UDPOptions{})
		if err != nil {
			t.Fatalf("NewUDP: %v", err)
		}
		defer u.Close()
		if _, err := u.Put(wheel.Datagram{Payload: []byte("x")}); !errors.Is(err, wheel.ErrNoPeer) {
			t.Errorf("Put without a destination: error = %v, want ErrNoPeer", err)
		}
		if _, err := u.Put(wheel.Datagram{Payload: []byte("x"), Addr: "example.com", Port: 7}); !errors.Is(err, wheel.ErrOption) {
			t.Errorf("Put to a name: error = %v, want ErrOption", err)
		}
		_, port := u.Getsockname()
		if _, err := wheel.NewUDP(e.Kernel, wheel.UDPOptions{LocalPort: port}); !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("NewUDP on a port in use: error = %v, want EADDRINUSE", err)
		}
		return nil
	}})
	r.wait()
}
