package wheel_test

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/poetest"
	"github.com/seed02617006/poe/session"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// patience bounds every wait of the tests, so a broken wheel fails a test
// instead of hanging it.
const patience = 20 * time.Second

// rig runs one kernel in a goroutine, with a session made from states.
type rig struct {
	t    testing.TB
	k    *kernel.Kernel
	done chan error
	log  *poetest.Log
}

// newRig returns a rig whose kernel is not running yet.
func newRig(t testing.TB) *rig {
	return &rig{t: t, k: kernel.New(), done: make(chan error, 1), log: poetest.NewLog()}
}

// run creates the session (its _start runs at once, on the test's
// goroutine, before the kernel runs) and starts the kernel.
func (r *rig) run(states kernel.States, args ...any) *rig {
	t := r.t
	t.Helper()
	if _, err := session.Create(session.Options{Kernel: r.k, InlineStates: states, Args: args}); err != nil {
		t.Fatalf("session.Create: %v", err)
	}
	go func() { r.done <- r.k.Run() }()
	return r
}

// wait waits for the kernel to run out of sessions.
func (r *rig) wait() {
	r.t.Helper()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(patience):
		r.t.Fatalf("the kernel did not stop within %v; events so far: %q", patience, r.log.All())
	}
}

// transports are the connection kinds the stream tests run over.
var transports = []struct {
	name string
	pair func(t testing.TB) (server, client net.Conn)
}{
	{"pipe", func(testing.TB) (net.Conn, net.Conn) { return net.Pipe() }},
	{"tcp", tcpPair},
	{"unix", unixPair},
}

func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	return listenPair(t, "tcp", "127.0.0.1:0")
}

func unixPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	return listenPair(t, "unix", filepath.Join(t.TempDir(), "s"))
}

func listenPair(t testing.TB, network, addr string) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	client, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatalf("Accept: %v", r.err)
	}
	return r.c, client
}

// deadline sets a read and write deadline on c so a test never blocks
// forever on its own end of a connection.
func deadline(c net.Conn) { _ = c.SetDeadline(time.Now().Add(patience)) }
