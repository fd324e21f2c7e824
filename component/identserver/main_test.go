package identserver

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// patience bounds every wait, so a broken server fails a test instead of
// hanging it.
const patience = 20 * time.Second

// Short waits for tests: the default answer and the idle timeout.
const (
	testReplyDelay = 300 * time.Millisecond
	testIdle       = 2 * time.Second
)

// rig runs a kernel with a server and a registered session in a
// goroutine.
type rig struct {
	t    testing.TB
	k    *kernel.Kernel
	srv  *Server
	addr string
	done chan error

	mu        sync.Mutex
	sessionID int      // the registered session
	requests  []string // "peer p1 p2" of each identd_request
	senders   []int    // the SENDER of each
	dropped   []string // "peer port" of each DropEvent
	stopped   bool     // the registered session's _stop ran
}

// startRig spawns a server with opts (alias Ident-Server, any port, short
// waits unless set) and a session that registers and handles
// identd_request with onRequest (nil: no answer).
func startRig(t testing.TB, opts Options, onRequest kernel.Handler) *rig {
	t.Helper()
	r := &rig{t: t, k: kernel.New(), done: make(chan error, 1)}
	opts.Kernel = r.k
	if opts.Alias == "" {
		opts.Alias = "Ident-Server"
	}
	if opts.BindPort == 0 {
		opts.BindPort = AnyPort
	}
	if opts.replyDelay == 0 {
		opts.replyDelay = testReplyDelay
	}
	if opts.idleTimeOut == 0 {
		opts.idleTimeOut = testIdle
	}
	srv, err := Spawn(opts)
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	r.srv = srv
	host, port := srv.Getsockname()
	r.addr = net.JoinHostPort(host, strconv.Itoa(port))
	_, err = session.Create(session.Options{Kernel: r.k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			r.sessionID = e.Session.ID()
			_ = e.Kernel.Post(opts.Alias, "register")
			return nil
		},
		"dropped": func(e *kernel.Event) any {
			r.mu.Lock()
			r.dropped = append(r.dropped, e.Args[0].(string)+" "+strconv.Itoa(e.Args[1].(int)))
			r.mu.Unlock()
			return nil
		},
		"_stop": func(e *kernel.Event) any {
			r.mu.Lock()
			r.stopped = true
			r.mu.Unlock()
			return nil
		},
		"identd_request": func(e *kernel.Event) any {
			r.mu.Lock()
			r.requests = append(r.requests, e.Args[0].(string)+" "+strconv.Itoa(e.Args[1].(int))+" "+strconv.Itoa(e.Args[2].(int)))
			r.senders = append(r.senders, e.Sender.ID())
			r.mu.Unlock()
			if onRequest != nil {
				return onRequest(e)
			}
			return nil
		},
		"unregister_me": func(e *kernel.Event) any {
			_ = e.Kernel.Post(opts.Alias, "unregister")
			return nil
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.k.Run() }()
	t.Cleanup(r.stop)
	return r
}

// stop shuts the server down and waits for the kernel to end.
func (r *rig) stop() {
	if r.done == nil {
		return
	}
	_ = r.k.Outside().Post(r.srv.SessionID(), "shutdown")
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("Run = %v", err)
		}
	case <-time.After(patience):
		r.k.Outside().Stop()
		<-r.done
		r.t.Errorf("the kernel did not end within %v of shutdown", patience)
	}
	r.done = nil
}

// waitRequests waits for n identd_request events and returns their
// senders.
func (r *rig) waitRequests(n int) []int {
	r.t.Helper()
	deadline := time.Now().Add(patience)
	for {
		r.mu.Lock()
		senders := append([]int(nil), r.senders...)
		r.mu.Unlock()
		if len(senders) >= n {
			return senders
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d identd_request events, want %d", len(senders), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *rig) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...)
}

// dial connects to the server.
func (r *rig) dial() net.Conn {
	r.t.Helper()
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		r.t.Fatalf("dial %s: %v", r.addr, err)
	}
	_ = c.SetDeadline(time.Now().Add(patience))
	r.t.Cleanup(func() { c.Close() })
	return c
}

// exchange sends raw and reads what the server writes until it closes
// the connection. A reset counts as a close: the server closes a
// connection whose client is still sending (a line too long).
func (r *rig) exchange(raw string) string {
	r.t.Helper()
	c := r.dial()
	_, werr := io.WriteString(c, raw)
	b, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		r.t.Errorf("read: %v (got %q)", err, b)
	}
	if werr != nil && !errors.Is(werr, syscall.ECONNRESET) && !errors.Is(werr, syscall.EPIPE) {
		r.t.Errorf("write: %v", werr)
	}
	return string(b)
}

// readLine reads one reply line from br.
func readLine(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	l, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("reading a reply: %v (got %q)", err, l)
	}
	if !strings.HasSuffix(l, "\r\n") {
		t.Errorf("reply %q does not end in CR LF", l)
	}
	return strings.TrimSuffix(l, "\r\n")
}

// reply answers identd_request with ident_server_reply(opsys, userid),
// synchronously, as the SYNOPSIS does.
func reply(opsys, userid any) kernel.Handler {
	return func(e *kernel.Event) any {
		_, _ = e.Kernel.Call(e.Sender, "ident_server_reply", opsys, userid)
		return nil
	}
}
