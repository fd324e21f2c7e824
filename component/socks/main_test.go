package socks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/gosrv"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitLimit bounds every wait in the tests.
const waitLimit = 10 * time.Second

// event is one event the harness session received.
type event struct {
	name string
	args []any
	used bool
}

// harness runs a kernel with a Server spawned by a session that records
// every event it gets (through _default, as the seed's program prints
// them).
type harness struct {
	t    *testing.T
	k    *kernel.Kernel
	srv  *Server
	rec  *kernel.Session // the recording session
	port int

	mu     sync.Mutex
	events []*event
	notify chan struct{}
	done   chan error
}

// newHarness spawns a server with opts (Port AnyPort unless set) from a
// recording session and runs the kernel in a goroutine. Cleanup shuts the
// server down and waits for Run to return.
func newHarness(t *testing.T, opts Options, kopts ...kernel.Option) *harness {
	t.Helper()
	h := &harness{t: t, k: kernel.New(kopts...), notify: make(chan struct{}, 1), done: make(chan error, 1)}
	if opts.Port == 0 {
		opts.Port = AnyPort
	}
	var spawnErr error
	rec, err := session.Create(session.Options{Kernel: h.k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			opts.Kernel = e.Kernel
			h.srv, spawnErr = Spawn(opts)
			return nil
		},
		"_default": func(e *kernel.Event) any {
			name, _ := e.Arg(0).(string)
			args, _ := e.Arg(1).([]any)
			h.record(name, args)
			return nil
		},
		"probe": func(e *kernel.Event) any {
			// Handlers run one at a time, so a probe may read the
			// server's handler-side state.
			e.Arg(0).(func())()
			return nil
		},
	}})
	if err != nil || spawnErr != nil {
		t.Fatalf("Spawn: %v %v", err, spawnErr)
	}
	h.rec = rec
	h.port = h.srv.Port()
	go func() { h.done <- h.k.Run() }()
	t.Cleanup(func() {
		h.srv.Shutdown()
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(waitLimit):
			t.Errorf("Run did not return after Shutdown")
		}
	})
	return h
}

func (h *harness) record(name string, args []any) {
	h.mu.Lock()
	h.events = append(h.events, &event{name: name, args: args})
	h.mu.Unlock()
	select {
	case h.notify <- struct{}{}:
	default:
	}
}

// wait returns the arguments of the first event named name, not returned
// before, whose arguments match (nil matches all). It fails the test after
// waitLimit.
func (h *harness) wait(name string, match func(args []any) bool) []any {
	h.t.Helper()
	deadline := time.After(waitLimit)
	for {
		h.mu.Lock()
		for _, e := range h.events {
			if !e.used && e.name == name && (match == nil || match(e.args)) {
				e.used = true
				h.mu.Unlock()
				return e.args
			}
		}
		h.mu.Unlock()
		select {
		case <-h.notify:
		case <-deadline:
			h.t.Fatalf("no %s event within %v; got %s", name, waitLimit, h.dump())
			return nil
		}
	}
}

// waitID waits for event name whose ARG0 is the client ID id.
func (h *harness) waitID(name, id string) []any {
	h.t.Helper()
	return h.wait(name, func(a []any) bool { return len(a) > 0 && a[0] == id })
}

// count returns how many events named name have come so far.
func (h *harness) count(name string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if e.name == name {
			n++
		}
	}
	return n
}

func (h *harness) dump() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b bytes.Buffer
	for _, e := range h.events {
		fmt.Fprintf(&b, "\n  %s %v", e.name, e.args)
	}
	return b.String()
}

// probe runs f in a handler of the kernel and waits for it.
func (h *harness) probe(f func()) {
	h.t.Helper()
	done := make(chan struct{})
	if err := h.k.Outside().Post(h.rec, "probe", func() { f(); close(done) }); err != nil {
		h.t.Fatalf("probe: %v", err)
	}
	select {
	case <-done:
	case <-time.After(waitLimit):
		h.t.Fatal("probe did not run")
	}
}

// proxyAddr is the server's address for clients.
func (h *harness) proxyAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(h.port))
}

// dial connects a client to the proxy.
func (h *harness) dial() *net.TCPConn {
	h.t.Helper()
	c, err := net.DialTimeout("tcp", h.proxyAddr(), waitLimit)
	if err != nil {
		h.t.Fatalf("dial proxy: %v", err)
	}
	h.t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(waitLimit))
	return c.(*net.TCPConn)
}

// request encodes a request, failing the test if it cannot.
func request(t testing.TB, r Request) []byte {
	t.Helper()
	b, err := AppendRequest(nil, r)
	if err != nil {
		t.Fatalf("AppendRequest(%+v): %v", r, err)
	}
	return b
}

// readReply reads one reply from c.
func readReply(t testing.TB, c net.Conn) Reply {
	t.Helper()
	var b [ReplyLen]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		t.Fatalf("read reply: %v", err)
	}
	r, err := ParseReply(b[:])
	if err != nil {
		t.Fatalf("ParseReply(%x): %v", b, err)
	}
	return r
}

// expectEOF checks that c has nothing more to read and is closed, and
// closes it.
func expectEOF(t testing.TB, c net.Conn) {
	t.Helper()
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	b, err := io.ReadAll(c)
	if len(b) > 0 {
		t.Errorf("read %q after the reply, want nothing", b)
	}
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("reading to the end: %v, want EOF", err)
	}
}

// checkID fails unless id is a UUID string.
func checkID(t testing.TB, what string, id any) string {
	t.Helper()
	s, ok := id.(string)
	if _, err := uuid.Parse(s); !ok || err != nil {
		t.Fatalf("%s = %#v, want a UUID string", what, id)
	}
	return s
}

// target is a TCP server on 127.0.0.1 run by a test.
type target struct {
	port   int
	mu     sync.Mutex
	cs     []net.Conn
	closed bool // the cleanup has run: a late connection is closed at once
}

// newTarget listens on 127.0.0.1 and serves each connection with serve
// (echo when nil). Cleanup closes every connection, then the server
// (gosrv), which waits for the handlers.
func newTarget(t *testing.T, serve func(net.Conn)) *target {
	t.Helper()
	if serve == nil {
		serve = echo
	}
	tg := &target{}
	srv := gosrv.Serve(t, func(c net.Conn) {
		tg.mu.Lock()
		if tg.closed {
			// Accepted after the cleanup below, before gosrv's
			// closed the listener.
			tg.mu.Unlock()
			return
		}
		tg.cs = append(tg.cs, c)
		tg.mu.Unlock()
		_ = c.SetDeadline(time.Now().Add(2 * waitLimit))
		serve(c)
	})
	tg.port = srv.Addr().Port
	// Registered after gosrv's Cleanup, so it runs before it.
	t.Cleanup(func() {
		tg.mu.Lock()
		tg.closed = true
		for _, c := range tg.cs {
			c.Close()
		}
		tg.mu.Unlock()
	})
	return tg
}

// echo copies c's input back, then half-closes.
func echo(c net.Conn) {
	_, _ = io.Copy(c, c)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

var loopback = netip.MustParseAddr("127.0.0.1")

// fakeResolver answers localhost only, as tests may resolve no other name.
type fakeResolver struct{}

func (fakeResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	if host == "localhost" {
		return []string{"::1", "127.0.0.1"}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// deadline is a read deadline for one step of a test.
func deadline() time.Time { return time.Now().Add(waitLimit) }

func itoa(n int) string { return strconv.Itoa(n) }
