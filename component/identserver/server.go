package identserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// The component's events.
const (
	// RequestEvent is sent to every registered session for each valid
	// query: (peerAddr string, port1, port2 int), SENDER being the
	// connection's session, to which the answer goes.
	RequestEvent = "identd_request"
	// ReplyEvent, sent to the connection's session with (opsys,
	// userid), answers with USERID. An empty opsys is "UNIX".
	ReplyEvent = "ident_server_reply"
	// ErrorEvent, sent to the connection's session with (token),
	// answers with ERROR.
	ErrorEvent = "ident_server_error"
)

// AnyPort as BindPort lets the system choose the port (see Getsockname).
// The original binds port 0 when given 0; here 0 is the default, 113.
const AnyPort = -1

// refTag tags the references the server holds on itself and on
// registered sessions.
const refTag = "identserver"

// Defaults and bounds of the options.
const (
	// DefaultTimeOut is the idle timeout of a connection, RFC 1413 §2's
	// lower bound; TimeOut must lie within MinTimeOut and MaxTimeOut.
	DefaultTimeOut = 60 * time.Second
	MinTimeOut     = 60 * time.Second
	MaxTimeOut     = 180 * time.Second
	// ReplyDelay is how long the server waits for an answer to a query
	// before it answers by itself (Default, Random or HIDDEN-USER).
	ReplyDelay = 10 * time.Second
)

// Sentinel errors.
var (
	// ErrOption reports an option out of range.
	ErrOption = errors.New("identserver: invalid option")
)

// Dropper decides whether an accepted connection is dropped before
// anything else is done with it; *dropper.ByIPPort is one (see its
// RunConn). It is called from the server's session.
type Dropper interface {
	RunConn(from netip.AddrPort) bool
}

// Options are POE::Component::Server::Ident's spawn arguments. The zero
// value of each is the original's default, except BindAddr.
type Options struct {
	// Alias names the component's session. Without one, the component
	// keeps itself alive until its shutdown event.
	Alias string
	// BindAddr is the address to listen on: an IP address or
	// "localhost". Empty means 127.0.0.1 (the original: INADDR_ANY); give
	// "0.0.0.0" or "::" to listen everywhere.
	BindAddr string
	// BindPort is the port to listen on; 0 means 113, AnyPort lets the
	// system choose.
	BindPort int
	// Multiple lets a client send several queries on one connection; by
	// default the connection is closed after the first answer.
	Multiple bool
	// TimeOut closes a connection idle that long; 0 means 60 seconds, and
	// it must be within 60 to 180 seconds (RFC 1413 §2).
	TimeOut time.Duration
	// Default is the user id to answer with when no session answers
	// within 10 seconds.
	Default string
	// Random answers with 8 random lower-case letters then, unless
	// Default is given. Without either the answer is HIDDEN-USER.
	Random bool
	// Kernel is the kernel to run in (nil: as in session.Options).
	Kernel *kernel.Kernel
	// Dropper, if set, is asked about each new connection's peer; when
	// it says true the connection is closed at once. *dropper.ByIPPort
	// is one, as for tcpserver and socks.
	Dropper Dropper
	// DropEvent, if set, is sent to the registered sessions with
	// (peerAddr, peerPort) for each connection Dropper closed.
	DropEvent string

	// Tests shorten the waits; zero means the constants.
	replyDelay  time.Duration
	idleTimeOut time.Duration
}

// withDefaults checks o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if o.BindAddr == "" {
		o.BindAddr = "127.0.0.1"
	}
	switch {
	case o.BindPort == 0:
		o.BindPort = 113
	case o.BindPort == AnyPort:
		o.BindPort = 0
	case o.BindPort < 0 || o.BindPort > 65535:
		return o, fmt.Errorf("%w: BindPort %d", ErrOption, o.BindPort)
	}
	if o.TimeOut == 0 {
		o.TimeOut = DefaultTimeOut
	}
	if o.TimeOut < MinTimeOut || o.TimeOut > MaxTimeOut {
		return o, fmt.Errorf("%w: TimeOut %v is not within %v and %v", ErrOption, o.TimeOut, MinTimeOut, MaxTimeOut)
	}
	if o.idleTimeOut == 0 {
		o.idleTimeOut = o.TimeOut
	}
	if o.replyDelay == 0 {
		o.replyDelay = ReplyDelay
	}
	return o, nil
}

// Server is a running POE::Component::Server::Ident.
type Server struct {
	opts Options
	id   int
	k    *kernel.Kernel // the component session's view
	addr string
	port int

	listener *wheel.ListenAccept
	// mu guards registered, clients and closed: the connection sessions
	// read and change them too, concurrently under kernel.Parallel. It is
	// never held across a Call.
	mu sync.Mutex
	// registered maps the sessions that asked for identd_request events
	// to how often they registered.
	registered map[int]int
	clients    map[int]*client
	closed     bool
	conns      atomic.Int64 // connection sessions alive, for tests
}

// Spawn starts the component and its listener. Call it from a handler,
// or before the kernel runs on the goroutine that will run it. It returns
// ErrOption for options out of range, and the error of listening (a port
// in use, an address not on this host) or of setting the alias.
func Spawn(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	lc := net.ListenConfig{} // SO_REUSEADDR, as the original's Reuse => 'on'
	ln, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort(o.BindAddr, strconv.Itoa(o.BindPort)))
	if err != nil {
		return nil, fmt.Errorf("identserver: %w", err)
	}
	s := &Server{opts: o, registered: map[int]int{}, clients: map[int]*client{}}
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		s.addr, s.port = a.IP.String(), a.Port
	}
	var startErr error
	_, err = session.Create(session.Options{Kernel: o.Kernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			startErr = s.start(e, ln)
			return nil
		},
		"accept_new_client": s.acceptNewClient,
		"accept_failed":     func(*kernel.Event) any { return nil },
		"register":          s.register,
		"unregister":        s.unregister,
		"shutdown":          s.shutdown,
		"_child":            func(*kernel.Event) any { return nil },
	}})
	if err == nil {
		err = startErr
	}
	if err != nil {
		if s.listener != nil {
			_ = s.listener.Close()
		} else {
			_ = ln.Close()
		}
		return nil, err
	}
	return s, nil
}

func (s *Server) start(e *kernel.Event, ln net.Listener) error {
	s.id = e.Session.ID()
	s.k = e.Kernel
	if s.opts.Alias != "" {
		if err := e.Kernel.AliasSet(s.opts.Alias); err != nil {
			return fmt.Errorf("identserver: alias %q: %w", s.opts.Alias, err)
		}
	} else if _, err := e.Kernel.RefcountIncrement(s.id, refTag); err != nil {
		return err
	}
	l, err := wheel.NewListenAccept(e.Kernel, wheel.ListenAcceptOptions{
		Handle: ln, AcceptEvent: "accept_new_client", ErrorEvent: "accept_failed",
	})
	if err != nil {
		return err
	}
	s.listener = l
	return nil
}

// SessionID returns the component's session ID. Any goroutine may call
// it.
func (s *Server) SessionID() int { return s.id }

// Getsockname returns the address and port the server listens on. Any
// goroutine may call it.
func (s *Server) Getsockname() (addr string, port int) { return s.addr, s.port }

// Shutdown is the shutdown event, called. Call it from a handler of the
// component's kernel, or before that kernel runs.
func (s *Server) Shutdown() {
	_, _ = s.k.Call(s.id, "shutdown")
}

func (s *Server) acceptNewClient(e *kernel.Event) any {
	conn, _ := e.Args[0].(net.Conn)
	peerAddr, _ := e.Args[1].(string)
	peerPort, _ := e.Args[2].(int)
	if conn == nil {
		return nil
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		_ = conn.Close()
		return nil
	}
	if s.opts.Dropper != nil {
		if ap, err := netip.ParseAddrPort(net.JoinHostPort(peerAddr, strconv.Itoa(peerPort))); err == nil && s.opts.Dropper.RunConn(ap) {
			_ = conn.Close()
			if s.opts.DropEvent != "" {
				s.toRegistered(e, s.opts.DropEvent, peerAddr, peerPort)
			}
			return nil
		}
	}
	newClient(e, s, conn, peerAddr, peerPort)
	return nil
}

// toRegistered calls event in every registered session, in the order of
// their IDs. A session that is gone is forgotten.
func (s *Server) toRegistered(e *kernel.Event, event string, args ...any) {
	s.mu.Lock()
	ids := make([]int, 0, len(s.registered))
	for id := range s.registered {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		if _, err := e.Kernel.Call(id, event, args...); errors.Is(err, kernel.ErrNoSuchSession) {
			s.mu.Lock()
			delete(s.registered, id)
			s.mu.Unlock()
		}
	}
}

func (s *Server) register(e *kernel.Event) any {
	id := e.Sender.ID()
	s.mu.Lock()
	if id == 0 || s.closed {
		s.mu.Unlock()
		return nil
	}
	s.registered[id]++
	first := s.registered[id] == 1
	s.mu.Unlock()
	if first && id != s.id {
		// The registered session lives while it is registered, as in
		// the original.
		_, _ = e.Kernel.RefcountIncrement(id, refTag)
	}
	return nil
}

// unregister forgets the sender. The original deletes by the session
// object where it stored IDs, so unregistering never worked there.
func (s *Server) unregister(e *kernel.Event) any {
	id := e.Sender.ID()
	s.mu.Lock()
	_, ok := s.registered[id]
	delete(s.registered, id)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	if id != s.id {
		_, _ = e.Kernel.RefcountDecrement(id, refTag)
	}
	return nil
}

func (s *Server) shutdown(e *kernel.Event) any {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ids := make([]int, 0, len(s.clients))
	for id := range s.clients {
		ids = append(ids, id)
	}
	registered := s.registered
	s.registered = map[int]int{}
	s.mu.Unlock()
	if s.listener != nil {
		_ = s.listener.Close()
		s.listener = nil
	}
	slices.Sort(ids)
	for _, id := range ids {
		_, _ = e.Kernel.Call(id, "client_shutdown")
	}
	for id := range registered {
		if id != s.id {
			_, _ = e.Kernel.RefcountDecrement(id, refTag)
		}
	}
	for _, a := range e.Kernel.AliasList() {
		_ = e.Kernel.AliasRemove(a)
	}
	if s.opts.Alias == "" {
		_, _ = e.Kernel.RefcountDecrement(s.id, refTag)
	}
	return nil
}
