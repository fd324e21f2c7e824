package tcpclient_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/component/tcpclient"
	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/poetest"
	"github.com/seed02617006/poe/wheel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const patience = 20 * time.Second

// run runs k until it has no sessions left, within patience.
func run(t testing.TB, k *kernel.Kernel, log *poetest.Log) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(patience):
		k.Outside().Stop()
		<-done
		t.Fatalf("kernel did not stop within %v; events %q", patience, log.All())
	}
}

// start runs k in the background; the returned func waits for it.
func start(t testing.TB, k *kernel.Kernel, log *poetest.Log) func() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(t, k, log)
	}()
	return func() {
		t.Helper()
		<-done
	}
}

// closedPort returns a port on 127.0.0.1 where nothing listens.
func closedPort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func put(e *kernel.Event, recs ...any) { e.Heap["server"].(*wheel.ReadWrite).Put(recs...) }

// Against the tcpserver component: the two halves of POE's TCP pair.
func TestEchoWithTCPServer(t *testing.T) {
	k := kernel.New()
	log := poetest.NewLog()
	srv, err := tcpserver.New(tcpserver.Options{
		Kernel: k,
		ClientInput: func(e *kernel.Event) any {
			e.Heap["client"].(*wheel.ReadWrite).Put("echo: " + e.Args[0].(string))
			return nil
		},
		ClientDisconnected: func(e *kernel.Event) any {
			e.Kernel.Post(e.Session.Parent(), "shutdown")
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{"one", "two", "three"}
	_, err = tcpclient.New(tcpclient.Options{
		Kernel:     k,
		RemotePort: srv.Port(),
		Args:       []any{"x"},
		Started:    func(e *kernel.Event) any { log.Add("started %v", e.Args); return nil },
		Connected: func(e *kernel.Event) any {
			log.Add("connected %v %v", e.Args[1], e.Args[2] == srv.Port())
			put(e, lines[0], lines[1], lines[2])
			return nil
		},
		ServerInput: func(e *kernel.Event) any {
			log.Add("input %v connected=%v", e.Args[0], e.Heap["connected"])
			if e.Args[0] == "echo: three" {
				e.Kernel.Yield("shutdown")
			}
			return nil
		},
		Disconnected: func(e *kernel.Event) any { log.Add("disconnected"); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, k, log)
	want := []string{
		"started [x]",
		"connected 127.0.0.1 true",
		"input echo: one connected=true",
		"input echo: two connected=true",
		"input echo: three connected=true",
		"disconnected",
	}
	if got := log.All(); !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestConnectRefused(t *testing.T) {
	k := kernel.New()
	log := poetest.NewLog()
	_, err := tcpclient.New(tcpclient.Options{
		Kernel:     k,
		RemotePort: closedPort(t),
		ConnectError: func(e *kernel.Event) any {
			log.Add("%v %v %v", e.Args[0], e.Args[1], e.Args[2])
			return nil
		},
		Connected:   func(e *kernel.Event) any { log.Add("connected"); return nil },
		ServerInput: func(e *kernel.Event) any { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, k, log)
	want := []string{fmt.Sprintf("connect %d Connection refused", syscall.ECONNREFUSED)}
	if got := log.All(); !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
	if syscall.ECONNREFUSED != 111 {
		t.Logf("ECONNREFUSED is %d on this system", syscall.ECONNREFUSED)
	}
}

// fullListener returns the address of a listener whose accept queue is
// full, so that a new connection attempt hangs: Linux drops SYNs for it.
func fullListener(t *testing.T) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	for i := 0; i < 16; i++ {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr // this one hung: the queue is full
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not fill a listen queue on this system")
	return ""
}

func TestConnectTimeout(t *testing.T) {
	addr := fullListener(t)
	host, portText, _ := net.SplitHostPort(addr)
	var port int
	fmt.Sscan(portText, &port)
	k := kernel.New()
	log := poetest.NewLog()
	began := time.Now()
	_, err := tcpclient.New(tcpclient.Options{
		Kernel:         k,
		RemoteAddress:  host,
		RemotePort:     port,
		ConnectTimeout: 150 * time.Millisecond,
		ConnectError: func(e *kernel.Event) any {
			log.Add("%v %v %v", e.Args[0], e.Args[1], e.Args[2])
			return nil
		},
		ServerInput: func(e *kernel.Event) any { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, k, log)
	want := []string{fmt.Sprintf("connect %d Connection timed out", syscall.ETIMEDOUT)}
	if got := log.All(); !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
	if d := time.Since(began); d < 150*time.Millisecond {
		t.Errorf("timed out after %v, before ConnectTimeout", d)
	}
}

// The client retries a port where nothing listens until a server appears.
func TestReconnectToLateServer(t *testing.T) {
	port := closedPort(t)
	k := kernel.New()
	log := poetest.NewLog()
	_, err := tcpclient.New(tcpclient.Options{
		Kernel:     k,
		RemotePort: port,
		ConnectError: func(e *kernel.Event) any {
			log.Add("refused")
			e.Kernel.Delay("reconnect", 20*time.Millisecond)
			return nil
		},
		Connected: func(e *kernel.Event) any { put(e, "hi"); return nil },
		ServerInput: func(e *kernel.Event) any {
			log.Add("input %v", e.Args[0])
			e.Kernel.Yield("shutdown")
			return nil
		},
		ServerError: func(e *kernel.Event) any { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	wait := start(t, k, log)
	log.WaitFor(t, "refused", 1)
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		k.Outside().Stop()
		wait()
		t.Skipf("port %d was taken meanwhile: %v", port, err)
	}
	defer ln.Close()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rd := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(patience))
	if got, _ := rd.ReadString('\n'); got != "hi\r\n" {
		t.Errorf("server read %q, want hi", got)
	}
	fmt.Fprint(c, "welcome\r\n")
	wait()
	if got := log.All(); got[len(got)-1] != "input welcome" {
		t.Errorf("events = %q, want the last one input welcome", got)
	}
}

// "connect" with a new port moves the client, and reconnects use it.
func TestConnectEventNewAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	good := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for i := 0; i < 2; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "conn %d\n", i)
			c.Close()
		}
	}()
	k := kernel.New()
	log := poetest.NewLog()
	_, err = tcpclient.New(tcpclient.Options{
		Kernel:     k,
		Alias:      "cli",
		RemotePort: closedPort(t),
		ConnectError: func(e *kernel.Event) any {
			log.Add("error %v", e.Args[1])
			e.Kernel.Post("cli", "connect", "127.0.0.1", good)
			return nil
		},
		ServerInput: func(e *kernel.Event) any {
			log.Add("input %v", e.Args[0])
			return nil
		},
		ServerError: func(e *kernel.Event) any { return nil },
		Disconnected: func(e *kernel.Event) any {
			log.Add("disconnected")
			if len(log.All()) < 5 {
				e.Kernel.Yield("reconnect")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, k, log)
	want := []string{fmt.Sprintf("error %d", syscall.ECONNREFUSED), "input conn 0", "disconnected", "input conn 1", "disconnected"}
	if got := log.All(); !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// shutdown writes everything put, then closes; the server reads it all.
// With output still queued (a peer slow to read) it closes once that is
// written, whether or not ServerFlushed asks for flush events: the wheel
// reports its flush to the shutdown in either case.
func TestShutdownFlushes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		readAfter time.Duration
		onFlushed bool
	}{
		{"peer reading", 0, false},
		{"slow peer, without ServerFlushed", 200 * time.Millisecond, false},
		{"slow peer, with ServerFlushed", 200 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			// More than the loopback socket buffers hold: the rest
			// stays queued in the wheel until the peer reads.
			big := strings.Repeat("q", 16<<20)
			got := make(chan int, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					got <- -1
					return
				}
				defer c.Close()
				time.Sleep(tc.readAfter) // a slow peer reads after the shutdown
				c.SetReadDeadline(time.Now().Add(patience))
				b, _ := io.ReadAll(c)
				got <- len(b)
			}()
			k := kernel.New()
			log := poetest.NewLog()
			opts := tcpclient.Options{
				Kernel:     k,
				RemotePort: ln.Addr().(*net.TCPAddr).Port,
				Filter:     filter.NewStream(),
				Connected: func(e *kernel.Event) any {
					put(e, big)
					e.Kernel.Yield("shutdown")
					return nil
				},
				ServerInput:  func(e *kernel.Event) any { return nil },
				Disconnected: func(e *kernel.Event) any { log.Add("disconnected"); return nil },
			}
			if tc.onFlushed {
				opts.ServerFlushed = func(e *kernel.Event) any { log.Add("flushed"); return nil }
			}
			if _, err := tcpclient.New(opts); err != nil {
				t.Fatal(err)
			}
			run(t, k, log)
			if n := <-got; n != len(big) {
				t.Errorf("server read %d bytes, want %d", n, len(big))
			}
			want := []string{"disconnected"}
			if tc.onFlushed {
				want = []string{"flushed", "disconnected"}
			}
			if got := log.All(); !slices.Equal(got, want) {
				t.Errorf("events = %q, want %q", got, want)
			}
		})
	}
}

// The filter prototype is cloned for each connection: a partial line of
// the first connection does not leak into the second.
func TestFilterClonedPerConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for _, s := range []string{"partial", "whole\n"} {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, s)
			c.Close()
		}
	}()
	proto := filter.NewLine(filter.LineOptions{Literal: "\n"})
	k := kernel.New()
	log := poetest.NewLog()
	conns := 0
	_, err = tcpclient.New(tcpclient.Options{
		Kernel:      k,
		RemotePort:  ln.Addr().(*net.TCPAddr).Port,
		Filter:      proto,
		ServerInput: func(e *kernel.Event) any { log.Add("input %v", e.Args[0]); return nil },
		ServerError: func(e *kernel.Event) any { return nil },
		Disconnected: func(e *kernel.Event) any {
			if conns++; conns < 2 {
				e.Kernel.Yield("reconnect")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, k, log)
	if got := log.All(); !slices.Equal(got, []string{"input whole"}) {
		t.Errorf("events = %q, want only input whole", got)
	}
	if p := proto.GetPending(); len(p) != 0 {
		t.Errorf("the prototype buffered %q", p)
	}
}

func TestOptionErrors(t *testing.T) {
	in := func(*kernel.Event) any { return nil }
	tests := []struct {
		name string
		opts tcpclient.Options
	}{
		{"no ServerInput", tcpclient.Options{RemotePort: 7}},
		{"no RemotePort", tcpclient.Options{ServerInput: in}},
		{"port out of range", tcpclient.Options{ServerInput: in, RemotePort: 65536}},
		{"bad domain", tcpclient.Options{ServerInput: in, RemotePort: 7, Domain: "ipx"}},
		{"unix without path", tcpclient.Options{ServerInput: in, Domain: "unix"}},
		{"negative timeout", tcpclient.Options{ServerInput: in, RemotePort: 7, ConnectTimeout: -1}},
		{"half the marks", tcpclient.Options{ServerInput: in, RemotePort: 7, HighMark: 10, ServerLow: in}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Kernel = kernel.New()
			c, err := tcpclient.New(opts)
			if !errors.Is(err, tcpclient.ErrOption) {
				t.Errorf("New = %v, %v; want ErrOption", c, err)
			}
		})
	}
}
