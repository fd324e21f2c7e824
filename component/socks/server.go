package socks

import (
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/netmask"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// refTag is the reference-count tag the server holds on itself (without
// an alias) and on each registered session, as the original's
// refcount_increment(..., __PACKAGE__).
const refTag = "POE::Component::Proxy::SOCKS"

// Server is a running SOCKS 4/4a proxy: the object spawn returns.
//
// SessionID, Port, Address and the access-list methods may be called from
// any goroutine, handlers of other sessions included. Shutdown and
// SendEvent post to the server's session and may be called from any
// goroutine too.
type Server struct {
	opts Options

	// Set by _start, before Spawn returns; read-only after.
	sess     *kernel.Session
	out      *kernel.Kernel // the kernel as seen from other goroutines
	startErr error

	addrMu   sync.Mutex
	addr     string
	port     int
	listenOK bool

	aclMu      sync.RWMutex
	denials    netmask.Table
	exemptions netmask.Table

	// Touched only by the server's handlers.
	k        *kernel.Kernel // the server session's view
	listener *wheel.SocketFactory
	clients  map[string]*client
	byWheel  map[int]*client // client, link and BIND-listener wheels
	seq      uint64          // accept order, for a deterministic shutdown
	regs     []*registration
	shut     bool

	wg sync.WaitGroup // the lookup and dial goroutines
}

// registration is a session that wants the server's events.
type registration struct {
	id     int
	all    bool
	events map[string]bool // names with the socksd_ prefix
}

// Spawn starts a SOCKS proxy session, as POE::Component::Proxy::SOCKS
// ->spawn. Called from a handler, the handler's session is registered for
// every event and gets socksd_registered with the *Server as ARG0; it is
// then the server's parent no longer (the session detaches itself, as the
// original does). Listening starts at once: a failure to bind or listen
// comes as socksd_listener_failed. Spawn returns an error for invalid
// options or an alias already taken.
//
// Call Spawn from a handler, or from the goroutine that owns the kernel
// while its Run is not running.
func Spawn(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    o,
		clients: map[string]*client{},
		byWheel: map[int]*client{},
	}
	_, err = session.Create(session.Options{
		Kernel:       o.Kernel,
		InlineStates: s.states(),
		Options:      o.Options,
	})
	if err != nil {
		return nil, err
	}
	if s.startErr != nil {
		return nil, s.startErr
	}
	return s, nil
}

func (s *Server) states() kernel.States {
	return kernel.States{
		"_start":         s.start,
		"_stop":          s.stop,
		"register":       s.register,
		"unregister":     s.unregister,
		"shutdown":       s.shutdown,
		"_send_event":    s.sendEventHandler,
		"_accept":        s.accept,
		"_accept_failed": s.acceptFailed,
		"_c_input":       s.clientInput,
		"_c_error":       s.clientError,
		"_c_low":         s.clientLow,
		"_l_input":       s.linkInput,
		"_l_error":       s.linkError,
		"_l_low":         s.linkLow,
		"_ident_done":    s.identDone,
		"_dns_done":      s.dnsDone,
		"_dialed":        s.dialed,
		"_bind_accept":   s.bindAccept,
		"_bind_failed":   s.bindFailed,
		"_est_timeout":   s.establishTimeout,
		"_idle":          s.idle,
		"_linger":        s.linger,
		"_drain":         s.drainCheck,
	}
}

// SessionID returns the server session's ID, as session_id. Any goroutine
// may call it.
func (s *Server) SessionID() int { return s.sess.ID() }

// Address returns the address the server listens on. Any goroutine may
// call it.
func (s *Server) Address() string {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	return s.addr
}

// Port returns the port the server listens on (the one the system chose
// for AnyPort), or 0 when it could not listen. Any goroutine may call it.
func (s *Server) Port() int {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	return s.port
}

// Shutdown terminates the server, as shutdown: the listener and every
// client connection, pending or relaying, and their links to servers are
// closed, each reported as socksd_sock_down and socksd_disconnected, and
// the registered sessions are let go. It posts the shutdown event and
// returns at once; any goroutine may call it.
func (s *Server) Shutdown() {
	_ = s.out.Post(s.sess, "shutdown")
}

// SendEvent sends event with args to the registered sessions through the
// server's session, as send_event. Any goroutine may call it.
func (s *Server) SendEvent(event string, args ...any) {
	_ = s.out.Post(s.sess, "_send_event", append([]any{event}, args...)...)
}

// AddDenial adds a block of client addresses to deny, as add_denial. Any
// goroutine may call it.
func (s *Server) AddDenial(nm *netmask.Netmask) {
	s.aclMu.Lock()
	defer s.aclMu.Unlock()
	s.denials.Store(nm)
}

// DelDenial removes a block added with AddDenial, as del_denial. Any
// goroutine may call it.
func (s *Server) DelDenial(nm *netmask.Netmask) {
	if nm == nil {
		return
	}
	s.aclMu.Lock()
	defer s.aclMu.Unlock()
	s.denials.Delete(nm)
}

// AddExemption adds a block of client addresses exempt from the denials,
// as add_exemption. Any goroutine may call it.
func (s *Server) AddExemption(nm *netmask.Netmask) {
	s.aclMu.Lock()
	defer s.aclMu.Unlock()
	s.exemptions.Store(nm)
}

// DelExemption removes a block added with AddExemption, as del_exemption.
// Any goroutine may call it.
func (s *Server) DelExemption(nm *netmask.Netmask) {
	if nm == nil {
		return
	}
	s.aclMu.Lock()
	defer s.aclMu.Unlock()
	s.exemptions.Delete(nm)
}

// Denied reports whether clients from ip are refused: ip lies in a denied
// block and in no exempt one, as denied. Any goroutine may call it.
func (s *Server) Denied(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	s.aclMu.RLock()
	defer s.aclMu.RUnlock()
	return s.denials.FetchAddr(a) != nil && s.exemptions.FetchAddr(a) == nil
}

// Exempted reports whether ip lies in an exempt block, as exempted. Any
// goroutine may call it.
func (s *Server) Exempted(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	s.aclMu.RLock()
	defer s.aclMu.RUnlock()
	return s.exemptions.FetchAddr(a.Unmap().WithZone("")) != nil
}

// start is _start: name or pin the session, listen, and register the
// spawning session.
func (s *Server) start(e *kernel.Event) any {
	s.k, s.sess, s.out = e.Kernel, e.Session, e.Kernel.Outside()
	if s.opts.Alias != "" {
		if err := e.Kernel.AliasSet(s.opts.Alias); err != nil {
			s.startErr = err
			return nil
		}
	} else if _, err := e.Kernel.RefcountIncrement(e.Session.ID(), refTag); err != nil {
		s.startErr = err
		return nil
	}
	f, err := wheel.NewSocketFactory(e.Kernel, wheel.SocketFactoryOptions{
		BindAddress:  s.opts.Address,
		BindPort:     s.opts.Port,
		Reuse:        true,
		SuccessEvent: "_accept",
		FailureEvent: "_accept_failed",
	})
	if err != nil {
		s.startErr = err
		s.unpin()
		return nil
	}
	s.listener = f
	addr, port := f.Getsockname()
	s.addrMu.Lock()
	s.addr, s.port, s.listenOK = addr, port, port != 0
	s.addrMu.Unlock()
	if p := e.Sender; p != nil && p.ID() != 0 {
		s.addRegistration(p.ID(), []string{"all"})
		_ = e.Kernel.Post(p, "socksd_registered", s)
		_ = e.Kernel.DetachMyself()
	}
	return nil
}

// unpin undoes what keeps the session alive on its own.
func (s *Server) unpin() {
	if s.opts.Alias != "" {
		_ = s.k.AliasRemove(s.opts.Alias)
	} else {
		_, _ = s.k.RefcountDecrement(s.sess.ID(), refTag)
	}
}

// stop is _stop: whatever is still open is closed without events (they
// could not be delivered any more), and the goroutines are waited for.
func (s *Server) stop(e *kernel.Event) any {
	s.shut = true
	if s.listener != nil {
		_ = s.listener.Close()
		s.listener = nil
	}
	for _, c := range s.clients {
		s.dropClient(c)
	}
	s.wg.Wait()
	return nil
}

// register adds the sender's interest in the named events ("all", or
// names with or without the socksd_ prefix) and sends it
// socksd_registered.
func (s *Server) register(e *kernel.Event) any {
	if e.Sender == nil || e.Sender.ID() == 0 || s.shut {
		return nil
	}
	names := make([]string, 0, len(e.Args))
	for _, a := range e.Args {
		if n, ok := a.(string); ok {
			names = append(names, n)
		}
	}
	s.addRegistration(e.Sender.ID(), names)
	_ = e.Kernel.Post(e.Sender, "socksd_registered", s)
	return nil
}

func (s *Server) addRegistration(id int, names []string) {
	var r *registration
	for _, x := range s.regs {
		if x.id == id {
			r = x
		}
	}
	if r == nil {
		r = &registration{id: id, events: map[string]bool{}}
		s.regs = append(s.regs, r)
		_, _ = s.k.RefcountIncrement(id, refTag)
	}
	for _, n := range names {
		if n == "all" {
			r.all = true
			continue
		}
		r.events["socksd_"+strings.TrimPrefix(n, "socksd_")] = true
	}
}

// unregister removes the sender's interest in the named events; a session
// left with none is let go.
func (s *Server) unregister(e *kernel.Event) any {
	if e.Sender == nil {
		return nil
	}
	for i, r := range s.regs {
		if r.id != e.Sender.ID() {
			continue
		}
		for _, a := range e.Args {
			n, _ := a.(string)
			if n == "all" {
				r.all = false
				continue
			}
			delete(r.events, "socksd_"+strings.TrimPrefix(n, "socksd_"))
		}
		if !r.all && len(r.events) == 0 {
			s.regs = append(s.regs[:i], s.regs[i+1:]...)
			_, _ = s.k.RefcountDecrement(r.id, refTag)
		}
		return nil
	}
	return nil
}

// send posts event to every session registered for it, in registration
// order. A session that has gone is forgotten.
func (s *Server) send(event string, args ...any) {
	kept := s.regs[:0]
	for _, r := range s.regs {
		if r.all || r.events[event] {
			if err := s.k.Post(r.id, event, args...); err != nil {
				continue
			}
		}
		kept = append(kept, r)
	}
	clear(s.regs[len(kept):])
	s.regs = kept
}

func (s *Server) sendEventHandler(e *kernel.Event) any {
	if name, ok := e.Arg(0).(string); ok && name != "" {
		s.send(name, e.Args[1:]...)
	}
	return nil
}

// shutdown is the shutdown event: everything closes, with events, and
// the session lets itself and its registered sessions go.
func (s *Server) shutdown(e *kernel.Event) any {
	if s.shut {
		return nil
	}
	s.shut = true
	if s.listener != nil {
		_ = s.listener.Close()
		s.listener = nil
	}
	cs := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].seq < cs[j].seq })
	for _, c := range cs {
		s.closeClient(c, "shutdown")
	}
	s.unpin()
	for _, r := range s.regs {
		_, _ = s.k.RefcountDecrement(r.id, refTag)
	}
	s.regs = nil
	return nil
}

// acceptFailed reports a listener failure. A failed bind or listen leaves
// nothing to serve, so the server shuts down; a failed accept (out of
// descriptors) is retried by the wheel.
func (s *Server) acceptFailed(e *kernel.Event) any {
	op, _ := e.Arg(0).(string)
	s.send("socksd_listener_failed", op, e.Arg(1), e.Arg(2))
	if op != "accept" {
		s.addrMu.Lock()
		s.listenOK = false
		s.addrMu.Unlock()
		return s.shutdown(e)
	}
	return nil
}

// addrPort returns a TCP address as an unmapped netip.AddrPort.
func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}
