package tcpserver_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/poetest"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

func put(e *kernel.Event, recs ...any) { e.Heap["client"].(*wheel.ReadWrite).Put(recs...) }

// echo is a ClientInput that echoes lines and says goodbye on "quit".
func echo(e *kernel.Event) any {
	line := e.Args[0].(string)
	if line == "quit" {
		put(e, "bye")
		e.Kernel.Yield("shutdown")
		return nil
	}
	put(e, line)
	return nil
}

func TestLineEcho(t *testing.T) {
	t.Run("serial", func(t *testing.T) { testLineEcho(t) })
	// The same server with sessions on protoactor mailboxes across cores:
	// wheels call their session through the view they were made with.
	t.Run("parallel", func(t *testing.T) { testLineEcho(t, kernel.Parallel()) })
}

func testLineEcho(t *testing.T, kopts ...kernel.Option) {
	var r *rig
	log := poetest.NewLog()
	r = newRig(t, tcpserver.Options{
		ClientArgs:   []any{"a", 2},
		Started:      func(e *kernel.Event) any { log.Add("started %v", e.Args); return nil },
		Stopped:      func(e *kernel.Event) any { log.Add("stopped"); return nil },
		ListenerArgs: []any{"L"},
		ClientConnected: func(e *kernel.Event) any {
			log.Add("connected %v %v:%v %v", e.Args, e.Heap["remote_ip"], e.Heap["remote_port"], e.Heap["remote_addr"])
			put(e, "hello")
			return nil
		},
		ClientInput:        echo,
		ClientDisconnected: func(e *kernel.Event) any { log.Add("disconnected"); return nil },
	}, kopts...)
	r.log = log
	c := dial(t, r.addr())
	if got := c.line(); got != "hello" {
		t.Fatalf("banner = %q, want %q", got, "hello")
	}
	for _, s := range []string{"one", "", "three and four"} {
		c.send(s + "\n")
		if got := c.line(); got != s {
			t.Errorf("echo of %q = %q", s, got)
		}
	}
	c.send("quit\n")
	if got := c.eof(); got != "bye\r\n" {
		t.Errorf("after quit got %q, want %q then EOF", got, "bye\r\n")
	}
	log.WaitFor(t, "disconnected", 1)
	if err := r.srv.Shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	r.wait()
	local := c.c.LocalAddr().(*net.TCPAddr)
	want := []string{
		"started [L]",
		fmt.Sprintf("connected [a 2] 127.0.0.1:%d %s", local.Port, local),
		"disconnected",
		"stopped",
	}
	if got := log.All(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// Two clients send interleaved halves of lines: with one filter shared
// between connections their halves would mix.
func TestFilterPrototypeClonedPerConnection(t *testing.T) {
	proto := filter.NewLine(filter.LineOptions{Literal: "\n"})
	r := newRig(t, tcpserver.Options{ClientFilter: proto, ClientInput: echo})
	a, b := dial(t, r.addr()), dial(t, r.addr())
	a.send("ab")
	b.send("xy")
	// A round trip on each shows both halves were read before the rest.
	a.send("c\n")
	b.send("z\n")
	if got := a.line(); got != "abc" {
		t.Errorf("client a got %q, want %q", got, "abc")
	}
	if got := b.line(); got != "xyz" {
		t.Errorf("client b got %q, want %q", got, "xyz")
	}
	if p := proto.GetPending(); len(p) != 0 {
		t.Errorf("the prototype buffered %q; connections must use clones", p)
	}
	a.c.Close()
	b.c.Close()
	r.srv.Shutdown()
	r.wait()
}

func TestInputOutputFilters(t *testing.T) {
	r := newRig(t, tcpserver.Options{
		ClientInputFilter:  filter.NewLine(filter.LineOptions{Literal: "\n"}),
		ClientOutputFilter: filter.NewStream(),
		ClientInput: func(e *kernel.Event) any {
			put(e, "<"+e.Args[0].(string)+">")
			return nil
		},
	})
	c := dial(t, r.addr())
	c.send("a\nb\n")
	c.send("quit\n")
	c.c.CloseWrite()
	if got := c.eof(); got != "<a><b><quit>" {
		t.Errorf("got %q, want %q", got, "<a><b><quit>")
	}
	r.srv.Shutdown()
	r.wait()
}

func TestConcurrencyLimit(t *testing.T) {
	log := poetest.NewLog()
	r := newRig(t, tcpserver.Options{
		Concurrency: 2,
		ClientConnected: func(e *kernel.Event) any {
			log.Add("connected")
			put(e, "hello")
			return nil
		},
		ClientInput:        echo,
		ClientDisconnected: func(e *kernel.Event) any { log.Add("disconnected"); return nil },
	})
	c1, c2 := dial(t, r.addr()), dial(t, r.addr())
	c1.line()
	c2.line()
	c3 := dial(t, r.addr()) // completes in the listen queue
	// A round trip on c1 after c3 connected: the kernel is running, and
	// c3 still has no session.
	c1.send("ping\n")
	if got := c1.line(); got != "ping" {
		t.Fatalf("c1 echo = %q", got)
	}
	if !c3.silent(100 * time.Millisecond) {
		t.Fatalf("third client was served with Concurrency 2")
	}
	if n := log.Count("connected"); n != 2 {
		t.Fatalf("%d connections served, want 2", n)
	}
	c1.send("quit\n")
	c1.eof()
	if got := c3.line(); got != "hello" {
		t.Errorf("third client, after one left, got %q, want hello", got)
	}
	c2.c.Close()
	c3.c.Close()
	log.WaitFor(t, "disconnected", 3)
	r.srv.Shutdown()
	r.wait()
}

// set_concurrency 0 from Started holds connections back; -1 lets them in
// (POE leaves the listener paused on -1).
func TestSetConcurrency(t *testing.T) {
	log := poetest.NewLog()
	r := newRig(t, tcpserver.Options{
		Alias: "srv",
		Started: func(e *kernel.Event) any {
			e.Kernel.Call(e.Session, "set_concurrency", 0)
			return nil
		},
		ClientConnected: func(e *kernel.Event) any {
			log.Add("connected")
			put(e, "hello")
			return nil
		},
		ClientInput: echo,
	})
	c := dial(t, r.addr())
	if !c.silent(100 * time.Millisecond) {
		t.Fatalf("served with concurrency 0")
	}
	if err := r.k.Outside().Post("srv", "set_concurrency", -1); err != nil {
		t.Fatalf("post set_concurrency: %v", err)
	}
	if got := c.line(); got != "hello" {
		t.Fatalf("after set_concurrency -1 got %q", got)
	}
	c.c.Close()
	r.k.Outside().Post("srv", "shutdown")
	r.wait()
}

// The per-connection shutdown writes everything put before it, then
// closes; ClientDisconnected comes once.
func TestClientShutdownFlushesOutput(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	log := poetest.NewLog()
	r := newRig(t, tcpserver.Options{
		ClientFilter: filter.NewStream(),
		ClientInput: func(e *kernel.Event) any {
			put(e, big)
			e.Kernel.Yield("shutdown")
			return nil
		},
		ClientDisconnected: func(e *kernel.Event) any { log.Add("disconnected"); return nil },
	})
	c := dial(t, r.addr())
	c.send("go")
	if got := c.eof(); len(got) != len(big) {
		t.Errorf("read %d bytes before EOF, want %d", len(got), len(big))
	}
	log.WaitFor(t, "disconnected", 1)
	r.srv.Shutdown()
	r.wait()
	if n := log.Count("disconnected"); n != 1 {
		t.Errorf("ClientDisconnected called %d times, want 1", n)
	}
}

// ClientFlushed comes when what was put has been written.
func TestClientFlushed(t *testing.T) {
	r := newRig(t, tcpserver.Options{
		ClientInput: echo,
		ClientFlushed: func(e *kernel.Event) any {
			if e.Heap["told"] == nil {
				e.Heap["told"] = true
				put(e, fmt.Sprintf("flushed %v", e.Args[0] == e.Heap["client"].(*wheel.ReadWrite).ID()))
			}
			return nil
		},
	})
	c := dial(t, r.addr())
	c.send("x\n")
	for _, want := range []string{"x", "flushed true"} {
		if got := c.line(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	c.send("quit\n")
	c.eof()
	r.srv.Shutdown()
	r.wait()
}

// A client that half-closes right after its request still gets the whole
// answer (POE's EOF sets got_an_error and drops it).
func TestEOFKeepsRepliesPut(t *testing.T) {
	big := strings.Repeat("y", 4<<20)
	r := newRig(t, tcpserver.Options{
		ClientFilter: filter.NewStream(),
		ClientInput:  func(e *kernel.Event) any { put(e, big); return nil },
	})
	c := dial(t, r.addr())
	c.send("go")
	c.c.CloseWrite()
	if got := c.eof(); len(got) != len(big) {
		t.Errorf("read %d bytes before EOF, want %d", len(got), len(big))
	}
	r.srv.Shutdown()
	r.wait()
}

// Server shutdown: no new connections, the existing one goes on, and the
// server stops after it.
func TestServerShutdown(t *testing.T) {
	log := poetest.NewLog()
	r := newRig(t, tcpserver.Options{
		Alias:       "srv",
		ClientInput: echo,
		Stopped:     func(e *kernel.Event) any { log.Add("stopped"); return nil },
	})
	c := dial(t, r.addr())
	c.send("before\n")
	c.line()
	if err := r.srv.Shutdown(); err != nil {
		t.Fatal(err)
	}
	c.send("after\n")
	if got := c.line(); got != "after" {
		t.Errorf("existing connection after shutdown: got %q", got)
	}
	// Shutdown posts to the server's session; on a Parallel kernel the
	// connection's session may answer before the server has handled it,
	// and the handler closes the listener before it drops the alias, so
	// both are given until the deadline.
	var err error
	aliasGone := false
	for deadline := time.Now().Add(patience); ; {
		var x net.Conn
		x, err = net.DialTimeout("tcp", r.addr(), patience)
		if x != nil {
			x.Close()
		}
		aliasGone = r.k.Outside().Post("srv", "shutdown") != nil
		if (errors.Is(err, syscall.ECONNREFUSED) && aliasGone) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after shutdown: %v, want ECONNREFUSED", err)
	}
	if n := log.Count("stopped"); n != 0 {
		t.Errorf("server stopped with a connection open")
	}
	if !aliasGone {
		t.Errorf("the alias survived shutdown")
	}
	c.send("quit\n")
	c.eof()
	r.wait()
	if n := log.Count("stopped"); n != 1 {
		t.Errorf("Stopped called %d times, want 1", n)
	}
}

// With ClientShutdownOnError off the component leaves the connection to
// the user; ClientDisconnected still comes when its session ends.
func TestNoShutdownOnErrorStillDisconnects(t *testing.T) {
	log := poetest.NewLog()
	r := newRig(t, tcpserver.Options{
		ClientShutdownOnError: new(false),
		ClientInput:           echo,
		ClientError: func(e *kernel.Event) any {
			log.Add("error %v %v", e.Args[0], e.Args[1])
			e.Heap.Delete("client")
			return nil
		},
		ClientDisconnected: func(e *kernel.Event) any {
			log.Add("disconnected %v", e.Heap["shutdown"])
			return nil
		},
	})
	c := dial(t, r.addr())
	c.send("x\n")
	c.line()
	c.c.Close()
	log.WaitFor(t, "disconnected", 1)
	r.srv.Shutdown()
	r.wait()
	want := "error read 0|disconnected false"
	if got := strings.Join(log.All(), "|"); got != want {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestAcceptor(t *testing.T) {
	r := newRig(t, tcpserver.Options{
		Acceptor: func(e *kernel.Event) any {
			c := e.Args[0].(net.Conn)
			fmt.Fprintf(c, "you are %s:%d\n", e.Args[1], e.Args[2])
			c.Close()
			e.Kernel.Yield("disconnected")
			return nil
		},
		Concurrency: 1,
	})
	for range 3 { // Concurrency 1: each needs the disconnected of the one before
		c := dial(t, r.addr())
		want := fmt.Sprintf("you are %s", c.c.LocalAddr())
		if got := c.line(); got != want {
			t.Errorf("acceptor said %q, want %q", got, want)
		}
		c.c.Close()
	}
	r.srv.Shutdown()
	r.wait()
}

func TestPreConnectRejects(t *testing.T) {
	log := poetest.NewLog()
	n := 0 // touched only by handlers, which run one at a time
	r := newRig(t, tcpserver.Options{
		ClientPreConnect: func(e *kernel.Event) any {
			n++
			if n%2 == 0 {
				log.Add("rejected")
				return nil
			}
			return e.Args[0]
		},
		ClientConnected:    func(e *kernel.Event) any { put(e, "welcome"); return nil },
		ClientInput:        echo,
		ClientDisconnected: func(e *kernel.Event) any { log.Add("disconnected"); return nil },
	})
	for i := 1; i <= 4; i++ {
		c := dial(t, r.addr())
		if i%2 == 0 {
			if got := c.eof(); got != "" {
				t.Errorf("rejected client got %q, want EOF", got)
			}
		} else if got := c.line(); got != "welcome" {
			t.Errorf("accepted client got %q", got)
		}
		c.c.Close()
	}
	r.srv.Shutdown()
	r.wait()
	// A rejected connection gets no ClientDisconnected: it never
	// connected.
	if r, d := log.Count("rejected"), log.Count("disconnected"); r != 2 || d != 2 {
		t.Errorf("%d rejected, %d disconnected (%q); want 2 and 2", r, d, log.All())
	}
}

// dropSome drops the connections whose turn (1, 2, ...) is in drop.
type dropSome struct {
	drop map[int]bool
	mu   sync.Mutex
	seen []netip.AddrPort
}

func (d *dropSome) RunConn(from netip.AddrPort) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen = append(d.seen, from)
	return d.drop[len(d.seen)]
}

func TestDropper(t *testing.T) {
	log := poetest.NewLog()
	d := &dropSome{drop: map[int]bool{2: true, 3: true, 4: true}}
	r := newRig(t, tcpserver.Options{
		Concurrency: 2,
		Dropper:     d,
		DropEvent: func(e *kernel.Event) any {
			log.Add("dropped %v:%v", e.Args[0], e.Args[1])
			return nil
		},
		ClientConnected: func(e *kernel.Event) any { log.Add("connected"); put(e, "hello"); return nil },
		ClientInput:     echo,
	})
	first := dial(t, r.addr())
	if got := first.line(); got != "hello" {
		t.Fatalf("first client got %q", got)
	}
	// Dropped connections are closed at once and take no slot: were they
	// counted, the second would find the server full and wait.
	for range 3 {
		c := dial(t, r.addr())
		if got := c.eof(); got != "" {
			t.Errorf("dropped client got %q, want EOF at once", got)
		}
		log.WaitFor(t, fmt.Sprintf("dropped %s", c.c.LocalAddr()), 1)
	}
	fifth := dial(t, r.addr())
	if got := fifth.line(); got != "hello" {
		t.Fatalf("client after the dropped ones got %q", got)
	}
	if n := log.Count("connected"); n != 2 {
		t.Errorf("%d connection sessions, want 2: dropped peers get none", n)
	}
	first.c.Close()
	fifth.c.Close()
	r.srv.Shutdown()
	r.wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.seen) != 5 {
		t.Errorf("RunConn called %d times, want 5", len(d.seen))
	}
	for _, ap := range d.seen {
		if ap.Addr() != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("RunConn saw %v, want 127.0.0.1", ap)
		}
	}
}

// A server whose port is taken reports it through Error.
func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	k := kernel.New()
	got := make(chan string, 1)
	_, err = tcpserver.New(tcpserver.Options{
		Kernel:      k,
		Port:        ln.Addr().(*net.TCPAddr).Port,
		ClientInput: echo,
		Error: func(e *kernel.Event) any {
			got <- fmt.Sprintf("%v %v %v", e.Args[0], e.Args[1], e.Args[2])
			e.Heap.Delete("listener")
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("bind %d Address already in use", syscall.EADDRINUSE)
	if g := <-got; g != want {
		t.Errorf("Error got %q, want %q", g, want)
	}
}

func TestUnixDomain(t *testing.T) {
	path := t.TempDir() + "/s"
	k := kernel.New()
	log := poetest.NewLog()
	srv, err := tcpserver.New(tcpserver.Options{
		Kernel:  k,
		Domain:  "unix",
		Address: path,
		ClientConnected: func(e *kernel.Event) any {
			put(e, fmt.Sprint(e.Heap["remote_ip"]))
			return nil
		},
		ClientInput:        echo,
		ClientDisconnected: func(e *kernel.Event) any { log.Add("disconnected"); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	if srv.Addr() != path {
		t.Errorf("Addr() = %q, want %q", srv.Addr(), path)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(patience))
	n, _ := c.Read(buf)
	if got := string(buf[:n]); got != "LOCAL\r\n" {
		t.Errorf("remote_ip of a unix client = %q, want LOCAL", got)
	}
	c.Close()
	log.WaitFor(t, "disconnected", 1)
	srv.Shutdown()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(patience):
		t.Fatal("kernel did not stop")
	}
}

type greeter struct{}

func (g *greeter) Greet(e *kernel.Event) any {
	put(e, "greetings "+e.Args[0].(string))
	return nil
}

// InlineStates and ObjectStates join each connection's session.
func TestConnectionStates(t *testing.T) {
	r := newRig(t, tcpserver.Options{
		ObjectStates: []session.ObjectStates{{Object: &greeter{}, Events: []string{"greet"}}},
		InlineStates: kernel.States{
			"later": func(e *kernel.Event) any { e.Kernel.Yield("greet", e.Args[0]); return nil },
		},
		ClientInput: func(e *kernel.Event) any {
			if e.Args[0] == "quit" {
				return echo(e)
			}
			e.Kernel.Yield("later", e.Args[0])
			return nil
		},
	})
	c := dial(t, r.addr())
	c.send("bob\n")
	if got := c.line(); got != "greetings bob" {
		t.Errorf("got %q", got)
	}
	c.send("quit\n")
	c.eof()
	r.srv.Shutdown()
	r.wait()
}

func TestOptionErrors(t *testing.T) {
	in := func(*kernel.Event) any { return nil }
	tests := []struct {
		name string
		opts tcpserver.Options
		want error
	}{
		{"neither input nor acceptor", tcpserver.Options{}, tcpserver.ErrOption},
		{"both input and acceptor", tcpserver.Options{ClientInput: in, Acceptor: in}, tcpserver.ErrOption},
		{"client option with acceptor", tcpserver.Options{Acceptor: in, ClientConnected: in}, tcpserver.ErrOption},
		{"input filter alone", tcpserver.Options{ClientInput: in, ClientInputFilter: filter.NewLine()}, tcpserver.ErrOption},
		{"filter and in/out filters", tcpserver.Options{ClientInput: in, ClientFilter: filter.NewLine(),
			ClientInputFilter: filter.NewLine(), ClientOutputFilter: filter.NewLine()}, tcpserver.ErrOption},
		{"three marks", tcpserver.Options{ClientInput: in, HighMark: 10, LowMark: 5, ClientHigh: in}, tcpserver.ErrOption},
		{"low above high", tcpserver.Options{ClientInput: in, HighMark: 10, LowMark: 20, ClientHigh: in, ClientLow: in}, tcpserver.ErrOption},
		{"args and client args", tcpserver.Options{ClientInput: in, Args: []any{1}, ClientArgs: []any{2}}, tcpserver.ErrOption},
		{"bad domain", tcpserver.Options{ClientInput: in, Domain: "appletalk"}, tcpserver.ErrOption},
		{"bad port", tcpserver.Options{ClientInput: in, Port: 70000}, tcpserver.ErrOption},
		{"unix without path", tcpserver.Options{ClientInput: in, Domain: "unix"}, tcpserver.ErrOption},
		{"drop event without dropper", tcpserver.Options{ClientInput: in, DropEvent: in}, tcpserver.ErrOption},
		{"reserved inline state", tcpserver.Options{ClientInput: in, InlineStates: kernel.States{"shutdown": in}}, tcpserver.ErrReservedState},
		{"reserved object state", tcpserver.Options{ClientInput: in,
			ObjectStates: []session.ObjectStates{{Object: &greeter{}, Map: map[string]string{"_start": "Greet"}}}}, tcpserver.ErrReservedState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Kernel = kernel.New()
			srv, err := tcpserver.New(opts)
			if !errors.Is(err, tt.want) {
				t.Errorf("New(%s) = %v, %v; want error %v", tt.name, srv, err, tt.want)
			}
		})
	}
}

// The caller's Options are not changed by New.
func TestOptionsNotMutated(t *testing.T) {
	opts := tcpserver.Options{ClientInput: echo, Kernel: kernel.New()}
	before := fmt.Sprintf("%+v", opts)
	srv, err := tcpserver.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if after := fmt.Sprintf("%+v", opts); after != before {
		t.Errorf("New changed its Options: %s, was %s", after, before)
	}
	srv.Shutdown()
	if err := opts.Kernel.Run(); err != nil {
		t.Fatal(err)
	}
}

// Hostname is resolved once to the address to bind.
func TestHostname(t *testing.T) {
	k := kernel.New()
	srv, err := tcpserver.New(tcpserver.Options{Kernel: k, Hostname: "localhost", ClientInput: echo})
	if err != nil {
		t.Fatal(err)
	}
	if srv.Addr() != "127.0.0.1" || srv.Port() == 0 {
		t.Errorf("listening on %q port %d, want 127.0.0.1 and a port", srv.Addr(), srv.Port())
	}
	srv.Shutdown()
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
}
