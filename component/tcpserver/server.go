package tcpserver

import (
	"fmt"
	"net"
	"os"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// The events of the sessions, POE's names.
const (
	// listening session
	evConnection = "tcp_server_got_connection"
	evListenErr  = "tcp_server_got_error"
	// connection sessions
	evInput = "tcp_server_got_input"
	evError = "tcp_server_got_error"
	evFlush = "tcp_server_got_flush"
	evHigh  = "tcp_server_got_high"
	evLow   = "tcp_server_got_low"
)

// connKey holds a connection session's private state in its heap; the
// NUL keeps it apart from the keys users choose.
const connKey = "\x00tcpserver"

// connState is what a connection session keeps beside POE's heap keys.
type connState struct {
	connected    bool // ClientConnected was called
	disconnected bool // ClientDisconnected was called
}

// Server is a running POE::Component::Server::TCP: its listening session
// and the port it listens on.
type Server struct {
	cfg     config
	session *kernel.Session
	addr    string
	port    int
	client  kernel.States // the connection sessions' states
}

// New starts a server: it creates the listening session, which binds and
// listens at once (so Port is known when New returns) and makes one
// session per accepted connection. Call it from a handler, or before the
// kernel runs from the goroutine that will run it. It returns an error
// for inconsistent options; a failure to bind or listen goes to Error, as
// POE reports it.
func New(opts Options) (*Server, error) {
	cfg, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg}
	if cfg.ClientInput != nil {
		s.client = s.clientStates()
	}
	sess, err := session.Create(session.Options{
		Kernel: cfg.Kernel,
		Args:   cfg.ListenerArgs,
		InlineStates: kernel.States{
			"_start":          s.start,
			"_stop":           s.stop,
			"_child":          func(*kernel.Event) any { return nil },
			evListenErr:       s.listenError,
			evConnection:      s.accept,
			"disconnected":    s.disconnected,
			"set_concurrency": s.setConcurrency,
			"shutdown":        s.shutdown,
		},
	})
	if err != nil {
		return nil, err
	}
	s.session = sess
	return s, nil
}

// SessionID returns the listening session's ID, which POE's new returns.
// Any goroutine may call it.
func (s *Server) SessionID() int { return s.session.ID() }

// Session returns the listening session.
func (s *Server) Session() *kernel.Session { return s.session }

// Port returns the port the server listens on, 0 if listening failed.
// Any goroutine may call it.
func (s *Server) Port() int { return s.port }

// Addr returns the address the server listens on ("127.0.0.1", a Unix
// path), "" if listening failed. Any goroutine may call it.
func (s *Server) Addr() string { return s.addr }

// Shutdown posts "shutdown" to the listening session: it stops listening
// and the connections already made go on until they end. Any goroutine
// may call it; it returns kernel.ErrNoSuchSession once the server has
// stopped.
func (s *Server) Shutdown() error {
	return s.session.Kernel().Outside().Post(s.session, "shutdown")
}

func (s *Server) start(e *kernel.Event) any {
	h := e.Heap
	if s.cfg.Alias != "" {
		h["alias"] = s.cfg.Alias
		if err := e.Kernel.AliasSet(s.cfg.Alias); err != nil {
			fmt.Fprintf(os.Stderr, "%d: Server %d: alias %q: %v\n", os.Getpid(), e.Session.ID(), s.cfg.Alias, err)
		}
	}
	h["concurrency"] = s.cfg.concurrency
	h["connections"] = 0
	sfo := wheel.SocketFactoryOptions{
		SocketDomain: s.cfg.domain,
		BindAddress:  s.cfg.bind,
		Reuse:        true,
		SuccessEvent: evConnection,
		FailureEvent: evListenErr,
	}
	if s.cfg.domain != "unix" {
		sfo.BindPort = s.cfg.Port
	}
	l, err := wheel.NewSocketFactory(e.Kernel, sfo)
	if err != nil {
		// Options were checked; what is left is a name that does not
		// resolve and the like: POE's FailureEvent.
		num, str := wheel.Errno(err)
		e.Kernel.Yield(evListenErr, "listen", num, str, 0)
	} else {
		h["listener"] = l
		s.addr, s.port = l.Getsockname()
	}
	call(s.cfg.Started, e)
	return nil
}

func (s *Server) stop(e *kernel.Event) any {
	call(s.cfg.Stopped, e)
	return 0
}

// listenError is POE's tcp_server_got_error in the listening session.
func (s *Server) listenError(e *kernel.Event) any {
	if s.cfg.Error != nil {
		return s.cfg.Error(e)
	}
	fmt.Fprintf(os.Stderr, "%d: Server %d got %v error %v (%v)\n", os.Getpid(), e.Session.ID(), e.Arg(0), e.Arg(1), e.Arg(2))
	e.Heap.Delete("listener")
	return nil
}

// accept is POE's wrapper around the acceptor: count, pause at the bound,
// then hand the connection on.
func (s *Server) accept(e *kernel.Event) any {
	if s.cfg.Dropper != nil {
		if c, ok := e.Arg(0).(net.Conn); ok {
			if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
				ap := ta.AddrPort()
				if s.cfg.Dropper.RunConn(ap) {
					_ = c.Close()
					if s.cfg.DropEvent != nil {
						ev := *e
						ev.Args = []any{e.Arg(1), e.Arg(2), e.Arg(3)}
						s.cfg.DropEvent(&ev)
					}
					return nil
				}
			}
		}
	}
	h := e.Heap
	n := h["connections"].(int) + 1
	h["connections"] = n
	if l, ok := h["listener"].(*wheel.SocketFactory); ok {
		if c := h["concurrency"].(int); c != -1 && n >= c {
			l.PauseAccept()
		}
	}
	if s.cfg.Acceptor != nil {
		return s.cfg.Acceptor(e)
	}
	return s.spawn(e)
}

// disconnected is POE's event by which a connection tells the server it
// has ended.
func (s *Server) disconnected(e *kernel.Event) any {
	h := e.Heap
	n := h["connections"].(int) - 1
	if n < 0 {
		fmt.Fprintf(os.Stderr, "Excessive 'disconnected' event from session %v\n", e.Sender)
		n = 0
	}
	h["connections"] = n
	s.applyConcurrency(h)
	return nil
}

// setConcurrency is POE's set_concurrency: ARG0 is the new bound, -1 for
// none, 0 to accept nothing.
func (s *Server) setConcurrency(e *kernel.Event) any {
	c, ok := e.Arg(0).(int)
	if !ok || c < -1 {
		c = -1
	}
	e.Heap["concurrency"] = c
	s.applyConcurrency(e.Heap)
	return nil
}

// applyConcurrency pauses or resumes accepting for the current count.
// POE resumes only on the exact count below the bound, and never when
// the bound is lifted to -1; here any count below the bound, or no bound,
// resumes.
func (s *Server) applyConcurrency(h kernel.Heap) {
	l, ok := h["listener"].(*wheel.SocketFactory)
	if !ok {
		return
	}
	c, n := h["concurrency"].(int), h["connections"].(int)
	if c != -1 && n >= c {
		l.PauseAccept()
	} else {
		l.ResumeAccept()
	}
}

// shutdown stops listening; connections go on, and the session ends with
// the last of them.
func (s *Server) shutdown(e *kernel.Event) any {
	e.Heap.Delete("listener")
	if a, ok := e.Heap["alias"].(string); ok {
		_ = e.Kernel.AliasRemove(a)
	}
	return nil
}

// spawn is POE's default acceptor: a session per connection.
func (s *Server) spawn(e *kernel.Event) any {
	_, err := session.Create(session.Options{
		Kernel:       e.Kernel,
		InlineStates: s.client,
		ObjectStates: s.cfg.ObjectStates,
		Options:      s.cfg.SessionParams,
		Args:         []any{e.Arg(0), e.Arg(1), e.Arg(2)},
	})
	if err != nil {
		// A bad object state: the connection cannot be served.
		if c, ok := e.Arg(0).(net.Conn); ok {
			_ = c.Close()
		}
		fmt.Fprintf(os.Stderr, "%d: Server %d: connection session: %v\n", os.Getpid(), e.Session.ID(), err)
		s.disconnected(e)
	}
	return nil
}

// call calls h, if set, with e.
func call(h kernel.Handler, e *kernel.Event) any {
	if h == nil {
		return nil
	}
	return h(e)
}

// callWith calls h, if set, with e's arguments replaced by args, as POE's
// splice of @_ does.
func callWith(h kernel.Handler, e *kernel.Event, args []any) any {
	if h == nil {
		return nil
	}
	ev := *e
	ev.Args = args
	return h(&ev)
}
