package wheel_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// echoServer is a session that listens with a SocketFactory and echoes
// lines on each connection, with the wheels kept in the heap by ID as POE
// servers do. It reports its address on the returned channel; the event
// "shutdown" closes everything.
func (r *rig) echoServer(opts wheel.SocketFactoryOptions, extra kernel.States) <-chan string {
	t := r.t
	addr := make(chan string, 1)
	opts.SuccessEvent, opts.FailureEvent = "accepted", "failed"
	states := kernel.States{
		"_start": func(e *kernel.Event) any {
			_ = e.Kernel.AliasSet("server")
			f, err := wheel.NewSocketFactory(e.Kernel, opts)
			if err != nil {
				t.Errorf("NewSocketFactory: %v", err)
				return nil
			}
			e.Heap["listener"] = f
			e.Heap["clients"] = map[int]*wheel.ReadWrite{}
			a, p := f.Getsockname()
			if p != 0 {
				a = net.JoinHostPort(a, strconv.Itoa(p))
			}
			addr <- a
			return nil
		},
		"accepted": func(e *kernel.Event) any {
			conn := e.Args[0].(net.Conn)
			r.log.Add("accepted %T %v", conn, e.Args[3] == e.Heap["listener"].(*wheel.SocketFactory).ID())
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
				Handle: conn, InputEvent: "client_input", ErrorEvent: "client_error",
			})
			if err != nil {
				t.Errorf("NewReadWrite: %v", err)
				return nil
			}
			e.Heap["clients"].(map[int]*wheel.ReadWrite)[w.ID()] = w
			return nil
		},
		"failed": func(e *kernel.Event) any {
			r.log.Add("failed %v %v %v", e.Args[0], e.Args[1], e.Args[2])
			e.Heap.Delete("listener")
			return nil
		},
		"client_input": func(e *kernel.Event) any {
			e.Heap["clients"].(map[int]*wheel.ReadWrite)[e.Args[1].(int)].Put(e.Args[0])
			return nil
		},
		"client_error": func(e *kernel.Event) any {
			clients := e.Heap["clients"].(map[int]*wheel.ReadWrite)
			id := e.Args[3].(int)
			clients[id].Close()
			delete(clients, id)
			return nil
		},
		"shutdown": func(e *kernel.Event) any {
			e.Heap.Delete("listener")
			for id, w := range e.Heap["clients"].(map[int]*wheel.ReadWrite) {
				w.Close()
				delete(e.Heap["clients"].(map[int]*wheel.ReadWrite), id)
			}
			_ = e.Kernel.AliasRemove("server")
			return nil
		},
	}
	for k, v := range extra {
		states[k] = v
	}
	r.run(states)
	return addr
}

func (r *rig) post(event string, args ...any) {
	if err := r.k.Outside().Post("server", event, args...); err != nil {
		r.t.Errorf("Post(server, %s): %v", event, err)
	}
}

// talk sends lines over a new connection and checks their echoes.
func talk(t testing.TB, network, addr string, lines ...string) {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Errorf("Dial: %v", err)
		return
	}
	defer c.Close()
	deadline(c)
	br := bufio.NewReader(c)
	for _, l := range lines {
		if _, err := fmt.Fprintf(c, "%s\n", l); err != nil {
			t.Errorf("write: %v", err)
			return
		}
		got, err := br.ReadString('\n')
		if err != nil || got != l+"\r\n" {
			t.Errorf("echo = %q, %v; want %q", got, err, l+"\r\n")
			return
		}
	}
}

func TestSocketFactoryEchoServer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		network string
		opts    func(t *testing.T) wheel.SocketFactoryOptions
	}{
		{"inet", "tcp", func(*testing.T) wheel.SocketFactoryOptions { return wheel.SocketFactoryOptions{Reuse: true} }},
		{"inet6", "tcp", func(t *testing.T) wheel.SocketFactoryOptions {
			ln, err := net.Listen("tcp6", "[::1]:0")
			if err != nil {
				t.Skipf("no IPv6 loopback here: %v", err)
			}
			ln.Close()
			return wheel.SocketFactoryOptions{SocketDomain: "inet6"}
		}},
		{"unix", "unix", func(t *testing.T) wheel.SocketFactoryOptions {
			return wheel.SocketFactoryOptions{SocketDomain: "unix", BindAddress: filepath.Join(t.TempDir(), "echo")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts(t)
			r := newRig(t)
			addr := <-r.echoServer(opts, nil)
			if tc.name == "inet" && !strings.HasPrefix(addr, "127.0.0.1:") {
				t.Errorf("Getsockname = %q, want 127.0.0.1 by default", addr)
			}
			if tc.name == "inet6" && !strings.HasPrefix(addr, "[::1]:") {
				t.Errorf("Getsockname = %q, want ::1 by default", addr)
			}
			talk(t, tc.network, addr, "hello", "world")
			talk(t, tc.network, addr, "again")
			r.post("shutdown")
			r.wait()
			want := "accepted "
			if got := r.log.All(); len(got) != 2 || !strings.HasSuffix(got[0], " true") || !strings.HasPrefix(got[1], want) {
				t.Errorf("events = %q, want two accepts with the wheel's ID", got)
			}
		})
	}
}

// TestSocketFactoryAcceptMany: many clients at once all get served, and
// the accept loop never runs far ahead of the session.
func TestSocketFactoryAcceptMany(t *testing.T) {
	const clients = 200
	r := newRig(t)
	addr := <-r.echoServer(wheel.SocketFactoryOptions{ListenQueue: 16}, nil)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			talk(t, "tcp", addr, fmt.Sprint("client ", i))
		}()
	}
	wg.Wait()
	r.post("shutdown")
	r.wait()
	if got := len(r.log.All()); got != clients {
		t.Errorf("%d SuccessEvents, want %d", got, clients)
	}
}

func TestSocketFactoryPauseAccept(t *testing.T) {
	r := newRig(t)
	accepted := 0
	addr := <-r.echoServer(wheel.SocketFactoryOptions{}, kernel.States{
		"pause": func(e *kernel.Event) any {
			e.Heap["listener"].(*wheel.SocketFactory).PauseAccept()
			r.log.Add("paused")
			return nil
		},
		"check": func(e *kernel.Event) any {
			for _, l := range r.log.All() {
				if strings.HasPrefix(l, "accepted") {
					accepted++
				}
			}
			r.log.Add("while paused: %d accepted", accepted)
			e.Heap["listener"].(*wheel.SocketFactory).ResumeAccept()
			return nil
		},
	})
	r.post("pause")
	r.log.WaitFor(t, "paused", 1)
	// The client connects through the listen queue, but the session
	// hears of it only after ResumeAccept.
	done := make(chan struct{})
	go func() {
		defer close(done)
		talk(t, "tcp", addr, "patient")
	}()
	time.Sleep(100 * time.Millisecond)
	r.post("check")
	<-done
	r.post("shutdown")
	r.wait()
	got := r.log.All()
	want := []string{"paused", "while paused: 0 accepted", "accepted *net.TCPConn true"}
	if !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// factoryEvents runs a session with one SocketFactory and logs its
// events; the wheel is deleted on either event.
func factoryEvents(t *testing.T, opts wheel.SocketFactoryOptions) []string {
	t.Helper()
	r := newRig(t)
	opts.SuccessEvent, opts.FailureEvent = "ok", "fail"
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			f, err := wheel.NewSocketFactory(e.Kernel, opts)
			if err != nil {
				t.Fatalf("NewSocketFactory: %v", err)
			}
			e.Heap["f"] = f
			return nil
		},
		"ok": func(e *kernel.Event) any {
			r.log.Add("ok %T %v %v", e.Args[0], e.Args[1], e.Args[2] != 0)
			if c, ok := e.Args[0].(io.Closer); ok {
				c.Close()
			}
			return nil
		},
		"fail": func(e *kernel.Event) any {
			r.log.Add("fail %v %v %v", e.Args[0], e.Args[1], e.Args[2])
			return nil
		},
	})
	r.wait()
	return r.log.All()
}

// TestSocketFactoryFailures: the errors POE reports, with POE's op names
// and errno values. The session ends although the handlers never delete
// the wheel: a factory that failed, like one that connected, holds
// nothing.
func TestSocketFactoryFailures(t *testing.T) {
	used, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer used.Close()
	usedPort := used.Addr().(*net.TCPAddr).Port
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	for _, tc := range []struct {
		name string
		opts wheel.SocketFactoryOptions
		want string
	}{
		{"connect refused", wheel.SocketFactoryOptions{RemoteAddress: "127.0.0.1", RemotePort: closedPort},
			fmt.Sprintf("fail connect %d Connection refused", int(syscall.ECONNREFUSED))},
		{"port in use", wheel.SocketFactoryOptions{BindPort: usedPort},
			fmt.Sprintf("fail bind %d Address already in use", int(syscall.EADDRINUSE))},
		{"port in use with Reuse", wheel.SocketFactoryOptions{BindPort: usedPort, Reuse: true},
			fmt.Sprintf("fail bind %d Address already in use", int(syscall.EADDRINUSE))},
		{"unix connect to nothing", wheel.SocketFactoryOptions{SocketDomain: "unix", RemoteAddress: filepath.Join(t.TempDir(), "none")},
			fmt.Sprintf("fail connect %d No such file or directory", int(syscall.ENOENT))},
		{"bad address", wheel.SocketFactoryOptions{BindAddress: "::1"},
			fmt.Sprintf("fail inet_aton %d Cannot assign requested address", int(syscall.EADDRNOTAVAIL))},
		{"connect", wheel.SocketFactoryOptions{RemoteAddress: "127.0.0.1", RemotePort: usedPort}, "ok *net.TCPConn 127.0.0.1 true"},
		{"dgram", wheel.SocketFactoryOptions{SocketType: "dgram"}, "ok *net.UDPConn  false"},
		{"connected dgram", wheel.SocketFactoryOptions{SocketProtocol: "udp", RemoteAddress: "127.0.0.1", RemotePort: 9}, "ok *net.UDPConn 127.0.0.1 true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := factoryEvents(t, tc.opts)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("events = %q, want [%q]", got, tc.want)
			}
		})
	}
}

func TestSocketFactoryUnixConnect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = io.Copy(c, c)
		c.Close()
	}()
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			f, err := wheel.NewSocketFactory(e.Kernel, wheel.SocketFactoryOptions{
				SocketDomain: "unix", RemoteAddress: path, SuccessEvent: "ok", FailureEvent: "fail",
			})
			if err != nil {
				t.Fatalf("NewSocketFactory: %v", err)
			}
			e.Heap["f"] = f
			return nil
		},
		"ok": func(e *kernel.Event) any {
			r.log.Add("connected to %v port %v", e.Args[1] == path, e.Args[2])
			e.Heap.Delete("f")
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
				Handle: e.Args[0].(net.Conn), InputEvent: "in", ErrorEvent: "fail",
			})
			if err != nil {
				t.Fatalf("NewReadWrite: %v", err)
			}
			e.Heap["rw"] = w
			w.Put("over unix")
			return nil
		},
		"in": func(e *kernel.Event) any {
			r.log.Add("echo %v", e.Args[0])
			e.Heap.Delete("rw")
			return nil
		},
		"fail": func(e *kernel.Event) any { r.log.Add("fail %v %v", e.Args[0], e.Args[1]); return nil },
	})
	r.wait()
	if got, want := r.log.All(), []string{"connected to true port 0", "echo over unix"}; !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// TestSocketFactoryCloseWhileConnecting: Close right after the
// constructor: no event, no goroutine left, the session ends.
func TestSocketFactoryCloseWhileConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			f, err := wheel.NewSocketFactory(e.Kernel, wheel.SocketFactoryOptions{
				RemoteAddress: "127.0.0.1", RemotePort: ln.Addr().(*net.TCPAddr).Port, SuccessEvent: "ok", FailureEvent: "fail",
			})
			if err != nil {
				t.Fatalf("NewSocketFactory: %v", err)
			}
			f.Close()
			f.Close()
			return nil
		},
		"ok":   func(e *kernel.Event) any { r.log.Add("ok"); return nil },
		"fail": func(e *kernel.Event) any { r.log.Add("fail"); return nil },
	})
	r.wait()
	if got := r.log.All(); len(got) != 0 {
		t.Errorf("events = %q, want none", got)
	}
}

// TestSocketFactorySessionStop: stopping the kernel closes the listener
// and the connections' wheels.
func TestSocketFactorySessionStop(t *testing.T) {
	r := newRig(t)
	addr := <-r.echoServer(wheel.SocketFactoryOptions{}, kernel.States{
		"stop": func(e *kernel.Event) any { e.Kernel.Stop(); return nil },
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline(c)
	fmt.Fprintf(c, "x\n")
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	r.post("stop")
	r.wait()
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("client read = %d, %v; want EOF", n, err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Errorf("Dial after stop succeeded; want the listener closed")
	}
}

func TestSocketFactoryOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts wheel.SocketFactoryOptions
		want error
	}{
		{"no events", wheel.SocketFactoryOptions{}, wheel.ErrEvent},
		{"domain", wheel.SocketFactoryOptions{SocketDomain: "appletalk"}, wheel.ErrOption},
		{"type", wheel.SocketFactoryOptions{SocketType: "seqpacket"}, wheel.ErrOption},
		{"protocol", wheel.SocketFactoryOptions{SocketProtocol: "sctp"}, wheel.ErrOption},
		{"tcp dgram", wheel.SocketFactoryOptions{SocketProtocol: "tcp", SocketType: "dgram"}, wheel.ErrOption},
		{"port", wheel.SocketFactoryOptions{BindPort: 70000}, wheel.ErrOption},
		{"no remote port", wheel.SocketFactoryOptions{RemoteAddress: "127.0.0.1"}, wheel.ErrOption},
		{"unix without path", wheel.SocketFactoryOptions{SocketDomain: "unix"}, wheel.ErrOption},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want != wheel.ErrEvent {
				tc.opts.SuccessEvent, tc.opts.FailureEvent = "ok", "fail"
			}
			r := newRig(t).run(kernel.States{"_start": func(e *kernel.Event) any {
				if _, err := wheel.NewSocketFactory(e.Kernel, tc.opts); !errors.Is(err, tc.want) {
					t.Errorf("NewSocketFactory(%+v) error = %v, want %v", tc.opts, err, tc.want)
				}
				return nil
			}})
			r.wait()
		})
	}
}

func TestListenAccept(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewListenAccept(e.Kernel, wheel.ListenAcceptOptions{Handle: ln, AcceptEvent: "accepted", ErrorEvent: "failed"})
			if err != nil {
				t.Fatalf("NewListenAccept: %v", err)
			}
			e.Heap["listener"] = w
			return nil
		},
		"accepted": func(e *kernel.Event) any {
			c := e.Args[0].(net.Conn)
			r.log.Add("accepted %v %v", e.Args[1], e.Args[2] == c.RemoteAddr().(*net.TCPAddr).Port)
			c.Write([]byte("hi\n"))
			c.Close()
			if len(r.log.All()) == 2 {
				e.Heap.Delete("listener")
			}
			return nil
		},
		"failed": func(e *kernel.Event) any { r.log.Add("failed %v", e.Args[1]); return nil },
	})
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		deadline(c)
		if got, err := io.ReadAll(c); err != nil || string(got) != "hi\n" {
			t.Errorf("read %q, %v; want hi", got, err)
		}
		c.Close()
	}
	r.wait()
	if got, want := r.log.All(), []string{"accepted 127.0.0.1 true", "accepted 127.0.0.1 true"}; !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Errorf("Dial after Close succeeded; want the listener closed")
	}
}

// TestListenAcceptListenerClosedElsewhere: the listener closed behind the
// wheel's back is reported once as an accept error.
func TestListenAcceptListenerClosedElsewhere(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewListenAccept(e.Kernel, wheel.ListenAcceptOptions{Handle: ln, AcceptEvent: "accepted", ErrorEvent: "failed"})
			if err != nil {
				t.Fatalf("NewListenAccept: %v", err)
			}
			e.Heap["listener"] = w
			return nil
		},
		"failed": func(e *kernel.Event) any {
			r.log.Add("failed %v %v", e.Args[0], e.Args[1])
			e.Heap.Delete("listener")
			return nil
		},
	})
	ln.Close()
	r.wait()
	if got, want := r.log.All(), []string{fmt.Sprintf("failed accept %d", int(syscall.EBADF))}; !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestListenAcceptOptionErrors(t *testing.T) {
	r := newRig(t).run(kernel.States{"_start": func(e *kernel.Event) any {
		if _, err := wheel.NewListenAccept(e.Kernel, wheel.ListenAcceptOptions{AcceptEvent: "a"}); !errors.Is(err, wheel.ErrHandle) {
			t.Errorf("no Handle: error = %v, want ErrHandle", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		if _, err := wheel.NewListenAccept(e.Kernel, wheel.ListenAcceptOptions{Handle: ln}); !errors.Is(err, wheel.ErrEvent) {
			t.Errorf("no AcceptEvent: error = %v, want ErrEvent", err)
		}
		return nil
	}})
	r.wait()
}
