package tcpserver_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/poetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// patience bounds every wait, so a broken server fails a test instead of
// hanging it.
const patience = 20 * time.Second

// rig runs one kernel with one server in a goroutine.
type rig struct {
	t    testing.TB
	k    *kernel.Kernel
	srv  *tcpserver.Server
	done chan error
	log  *poetest.Log
}

// newRig makes a kernel and a server with opts (its Kernel is filled in)
// and runs the kernel. Listening happens in New, so clients may dial at
// once.
func newRig(t testing.TB, opts tcpserver.Options, kopts ...kernel.Option) *rig {
	t.Helper()
	r := &rig{t: t, k: kernel.New(kopts...), done: make(chan error, 1), log: poetest.NewLog()}
	opts.Kernel = r.k
	srv, err := tcpserver.New(opts)
	if err != nil {
		t.Fatalf("tcpserver.New: %v", err)
	}
	if srv.Port() == 0 {
		t.Fatalf("Port() = 0 after New, want the bound port")
	}
	r.srv = srv
	go func() { r.done <- r.k.Run() }()
	t.Cleanup(func() {
		// A failed test may leave the kernel running: stop it so goleak
		// sees the goroutines go.
		select {
		case <-r.done:
			r.done <- nil
		default:
			r.k.Outside().Stop()
			select {
			case <-r.done:
				r.done <- nil
			case <-time.After(patience):
				t.Errorf("kernel did not stop after Stop")
			}
		}
	})
	return r
}

// wait waits for the kernel to run out of sessions.
func (r *rig) wait() {
	r.t.Helper()
	select {
	case err := <-r.done:
		r.done <- err
		if err != nil {
			r.t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(patience):
		r.t.Fatalf("the kernel did not stop within %v; events: %q", patience, r.log.All())
	}
}

func (r *rig) addr() string { return net.JoinHostPort("127.0.0.1", fmt.Sprint(r.srv.Port())) }

// client is a test's end of a connection.
type client struct {
	t  testing.TB
	c  *net.TCPConn
	rd *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	tc := c.(*net.TCPConn)
	t.Cleanup(func() { _ = tc.Close() })
	return &client{t: t, c: tc, rd: bufio.NewReader(tc)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := c.c.Write([]byte(s)); err != nil {
		c.t.Fatalf("write %q: %v", s, err)
	}
}

// line reads one line, without its CR LF.
func (c *client) line() string {
	c.t.Helper()
	_ = c.c.SetReadDeadline(time.Now().Add(patience))
	s, err := c.rd.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read line: %v (got %q)", err, s)
	}
	return strings.TrimRight(s, "\r\n")
}

// silent reports whether nothing arrives within d: used only where the
// test must show that the server holds something back.
func (c *client) silent(d time.Duration) bool {
	_ = c.c.SetReadDeadline(time.Now().Add(d))
	_, err := c.rd.Peek(1)
	_ = c.c.SetReadDeadline(time.Time{})
	return err != nil && strings.Contains(err.Error(), "timeout")
}

// eof waits for the server to close the connection and returns what came
// before.
func (c *client) eof() string {
	c.t.Helper()
	_ = c.c.SetReadDeadline(time.Now().Add(patience))
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := c.rd.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				c.t.Fatalf("no EOF within %v (got %d bytes)", patience, b.Len())
			}
			return b.String()
		}
	}
}
