package wheel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/seed02617006/poe/kernel"
)

// SocketFactoryOptions are POE::Wheel::SocketFactory's parameters. The
// zero value of each field is POE's default, except BindAddress (see
// below).
type SocketFactoryOptions struct {
	// SocketDomain is "inet" (the default, IPv4), "inet6" or "unix".
	SocketDomain string
	// SocketType is "stream" or "dgram". The default follows the
	// protocol, as in POE: "dgram" for "udp", else "stream".
	SocketType string
	// SocketProtocol is "tcp", "udp", or their numbers "6" and "17". The
	// default follows SocketType: "udp" for "dgram", else "tcp". It is
	// ignored for "unix".
	SocketProtocol string

	// BindAddress is the local address: an IP address or a host name for
	// "inet" and "inet6", a path for "unix". A listening socket binds to
	// 127.0.0.1 (inet) or ::1 (inet6) when it is empty, where POE binds
	// to INADDR_ANY: give "0.0.0.0" or "::" to listen on every
	// interface. A connecting socket binds only when BindAddress or
	// BindPort is given, to INADDR_ANY if BindAddress is empty.
	BindAddress string
	// BindPort is the local port; 0 lets the system choose (see
	// Getsockname).
	BindPort int

	// RemoteAddress makes the wheel connect, to an address or a host
	// name (a path for "unix"), and RemotePort is then required for
	// "inet" and "inet6". Without it the wheel listens (stream) or just
	// binds (dgram).
	RemoteAddress string
	RemotePort    int

	// ListenQueue is the listen backlog; 0 is the system's maximum
	// (SOMAXCONN), as in POE.
	ListenQueue int
	// Reuse sets SO_REUSEADDR before bind. Without it SO_REUSEADDR is
	// off, as in POE (Go's own listeners turn it on).
	Reuse bool

	// SuccessEvent gets (conn, peerAddr, peerPort, wheelID): for each
	// accepted connection of a listening socket; once for a connected
	// socket; once for a bound datagram socket, with "" and 0 for the
	// peer. Required.
	SuccessEvent string
	// FailureEvent gets (op, errnum, errstr, wheelID): op names the step
	// that failed, "bind", "listen", "connect", "accept" ... Required.
	FailureEvent string
}

// sfConfig is what the options resolve to.
type sfConfig struct {
	opts    SocketFactoryOptions
	network string // for the net package: tcp4, tcp6, udp4, udp6, unix, unixgram
	stream  bool
	connect bool
	local   string // address to bind, "" for none
	remote  string
}

func (o SocketFactoryOptions) withDefaults() (sfConfig, error) {
	c := sfConfig{opts: o}
	if o.SuccessEvent == "" || o.FailureEvent == "" {
		return c, fmt.Errorf("%w: SuccessEvent and FailureEvent are required", ErrEvent)
	}
	domain := o.SocketDomain
	if domain == "" {
		domain = "inet"
	}
	proto := o.SocketProtocol
	switch proto {
	case "6":
		proto = "tcp"
	case "17":
		proto = "udp"
	case "", "tcp", "udp":
	default:
		return c, fmt.Errorf("%w: SocketProtocol %q", ErrOption, o.SocketProtocol)
	}
	typ := o.SocketType
	switch typ {
	case "":
		typ = "stream"
		if proto == "udp" {
			typ = "dgram"
		}
	case "stream", "dgram":
	default:
		return c, fmt.Errorf("%w: SocketType %q", ErrOption, o.SocketType)
	}
	c.stream = typ == "stream"
	if domain != "unix" && proto != "" && (proto == "tcp") != c.stream {
		return c, fmt.Errorf("%w: SocketProtocol %s with SocketType %s", ErrOption, proto, typ)
	}
	if o.BindPort < 0 || o.BindPort > 65535 || o.RemotePort < 0 || o.RemotePort > 65535 {
		return c, fmt.Errorf("%w: port out of range", ErrOption)
	}
	if o.ListenQueue < 0 {
		return c, fmt.Errorf("%w: negative ListenQueue", ErrOption)
	}
	c.connect = o.RemoteAddress != ""
	suffix := map[string]string{"inet": "4", "inet6": "6"}
	switch domain {
	case "inet", "inet6":
		c.network = "udp" + suffix[domain]
		if c.stream {
			c.network = "tcp" + suffix[domain]
		}
		anyAddr, loop := "0.0.0.0", "127.0.0.1"
		if domain == "inet6" {
			anyAddr, loop = "::", "::1"
		}
		if c.connect {
			if o.RemotePort == 0 {
				return c, fmt.Errorf("%w: RemotePort required", ErrOption)
			}
			c.remote = net.JoinHostPort(o.RemoteAddress, strconv.Itoa(o.RemotePort))
			if o.BindAddress != "" || o.BindPort != 0 {
				c.local = net.JoinHostPort(cmp(o.BindAddress, anyAddr), strconv.Itoa(o.BindPort))
			}
		} else {
			c.local = net.JoinHostPort(cmp(o.BindAddress, loop), strconv.Itoa(o.BindPort))
		}
	case "unix":
		c.network = "unixgram"
		if c.stream {
			c.network = "unix"
		}
		c.remote, c.local = o.RemoteAddress, o.BindAddress
		if !c.connect && c.local == "" {
			return c, fmt.Errorf("%w: a listening unix socket needs BindAddress", ErrOption)
		}
	default:
		return c, fmt.Errorf("%w: SocketDomain %q", ErrOption, o.SocketDomain)
	}
	return c, nil
}

func cmp(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// SocketFactory is POE::Wheel::SocketFactory: it makes a socket that
// listens, connects or just binds, and hands the result to the session.
//
// A listening stream socket calls SuccessEvent with each accepted
// net.Conn. A connecting socket dials in a goroutine and calls
// SuccessEvent once with the net.Conn (for "dgram", a connected
// *net.UDPConn or *net.UnixConn), or FailureEvent. A datagram socket
// without RemoteAddress calls SuccessEvent once with a net.PacketConn
// (*net.UDPConn or *net.UnixConn) and "" and 0 for the peer. From then
// on the connection belongs to the session (usually to a ReadWrite or
// UDP wheel). Setup failures (bind, listen) are reported as FailureEvent,
// as POE yields them, and the constructor still returns the wheel.
//
// All methods are for the handlers of the session that made the wheel;
// Close may also be called after the kernel has stopped.
type SocketFactory struct {
	id  int
	o   owner
	cfg sfConfig

	closed atomic.Bool
	cancel context.CancelFunc
	wg     sync.WaitGroup
	acc    *acceptor

	mu    sync.Mutex
	local net.Addr
	// The result of a connect or of a datagram bind, until delivered.
	conn   net.Conn
	packet net.PacketConn
	err    error
	op     string
}

// sfResult tells the session that the connect (or bind) is done.
type sfResult struct{ f *SocketFactory }

func (n sfResult) deliver() { n.f.deliver() }

// NewSocketFactory makes a SocketFactory wheel owned by the session whose
// handler calls it (k is e.Kernel). Listening and binding happen at once,
// so Getsockname works on return; connecting happens in a goroutine. It
// returns an error for inconsistent options, or outside a handler.
func NewSocketFactory(k *kernel.Kernel, opts SocketFactoryOptions) (*SocketFactory, error) {
	cfg, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	own, err := bind(k)
	if err != nil {
		return nil, err
	}
	f := &SocketFactory{id: NewID(), o: own, cfg: cfg}
	if err := f.o.hold(f); err != nil {
		return nil, err
	}
	switch {
	case cfg.connect:
		f.startConnect()
	case cfg.stream:
		f.startListen()
	default:
		f.startPacket()
	}
	return f, nil
}

// listenConfig leaves TCP keep-alive off on accepted connections, as POE
// does (Go turns it on by default: four setsockopt calls per connection).
func (f *SocketFactory) listenConfig() net.ListenConfig {
	return net.ListenConfig{Control: reuseControl(f.cfg.opts.Reuse), KeepAlive: -1}
}

func (f *SocketFactory) startListen() {
	lc := f.listenConfig()
	ln, err := lc.Listen(context.Background(), f.cfg.network, f.cfg.local)
	if err != nil {
		f.fail(err, "listen")
		return
	}
	if q := f.cfg.opts.ListenQueue; q > 0 {
		if sc, ok := ln.(syscall.Conn); ok {
			_ = setBacklog(sc, q)
		}
	}
	f.mu.Lock()
	f.local = ln.Addr()
	f.mu.Unlock()
	f.acc = newAcceptor(&f.o, f.id, ln, f.cfg.opts.SuccessEvent, f.cfg.opts.FailureEvent)
}

func (f *SocketFactory) startPacket() {
	lc := f.listenConfig()
	pc, err := lc.ListenPacket(context.Background(), f.cfg.network, f.cfg.local)
	if err != nil {
		f.fail(err, "bind")
		return
	}
	f.mu.Lock()
	f.local, f.packet = pc.LocalAddr(), pc
	f.mu.Unlock()
	_ = f.o.post(sfResult{f})
}

func (f *SocketFactory) startConnect() {
	d := net.Dialer{KeepAlive: -1} // as POE: no keep-alive
	if f.cfg.opts.Reuse {
		d.Control = reuseControl(true)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		var conn net.Conn
		var err error
		if d.LocalAddr, err = f.localAddr(ctx); err == nil {
			conn, err = d.DialContext(ctx, f.cfg.network, f.cfg.remote)
		}
		f.mu.Lock()
		if conn != nil {
			f.conn, f.local = conn, conn.LocalAddr()
		}
		f.err, f.op = err, f.failOp(err, "connect")
		f.mu.Unlock()
		if f.closed.Load() {
			return
		}
		_ = f.o.post(sfResult{f})
	}()
}

// localAddr resolves BindAddress for the dialer.
func (f *SocketFactory) localAddr(ctx context.Context) (net.Addr, error) {
	if f.cfg.local == "" {
		return nil, nil
	}
	switch f.cfg.network {
	case "unix", "unixgram":
		return &net.UnixAddr{Name: f.cfg.local, Net: f.cfg.network}, nil
	}
	host, port, _ := net.SplitHostPort(f.cfg.local)
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip"+f.cfg.network[3:], host)
	if err != nil {
		return nil, err
	}
	p, _ := strconv.Atoi(port)
	if f.cfg.stream {
		return &net.TCPAddr{IP: ips[0].AsSlice(), Port: p}, nil
	}
	return &net.UDPAddr{IP: ips[0].AsSlice(), Port: p}, nil
}

// failOp is the op POE reports for err: a name that does not resolve is
// inet_aton's (inet) or getaddrinfo's (inet6) failure; otherwise the
// system call that failed, or dflt.
func (f *SocketFactory) failOp(err error, dflt string) string {
	if err == nil {
		return ""
	}
	var dns *net.DNSError
	var addr *net.AddrError
	if errors.As(err, &dns) || errors.As(err, &addr) {
		if f.cfg.network[len(f.cfg.network)-1] == '6' {
			return "getaddrinfo"
		}
		return "inet_aton"
	}
	return errOp(err, dflt)
}

// fail reports a setup failure. The wheel then holds nothing, as POE's
// failed factory has no select: the pending event alone keeps the session
// until it is handled.
func (f *SocketFactory) fail(err error, dflt string) {
	f.mu.Lock()
	f.err, f.op = err, f.failOp(err, dflt)
	f.mu.Unlock()
	f.o.release(f)
	_ = f.o.post(sfResult{f})
}

// deliver runs in the session with the outcome of a connect, a bind or a
// setup failure. The wheel then holds nothing more (POE's _shutdown):
// whatever keeps the session alive from now on is the caller's business.
func (f *SocketFactory) deliver() {
	f.mu.Lock()
	conn, packet, err, op := f.conn, f.packet, f.err, f.op
	f.conn, f.packet, f.err = nil, nil, nil
	f.mu.Unlock()
	if f.closed.Load() {
		if conn != nil {
			_ = conn.Close()
		}
		if packet != nil {
			_ = packet.Close()
		}
		return
	}
	f.o.release(f)
	switch {
	case err != nil:
		num, str := Errno(err)
		f.o.call(f.cfg.opts.FailureEvent, op, num, str, f.id)
	case conn != nil:
		addr, port := splitAddr(conn.RemoteAddr())
		if f.cfg.network == "unix" || f.cfg.network == "unixgram" {
			addr = f.cfg.remote
		}
		f.o.call(f.cfg.opts.SuccessEvent, conn, addr, port, f.id)
	case packet != nil:
		f.o.call(f.cfg.opts.SuccessEvent, packet, "", 0, f.id)
	}
}

// ID returns the wheel's unique ID. Any goroutine may call it.
func (f *SocketFactory) ID() int { return f.id }

// Getsockname returns the socket's local address and port: the
// listening address, or the local end of a connection once connected.
// A Unix socket gives its path and 0; a socket not yet made, "" and 0.
func (f *SocketFactory) Getsockname() (addr string, port int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.local == nil {
		return "", 0
	}
	return splitAddr(f.local)
}

// PauseAccept stops accepting connections until ResumeAccept; clients
// wait in the listen queue. It does nothing on a wheel that does not
// listen.
func (f *SocketFactory) PauseAccept() {
	if f.acc != nil && !f.closed.Load() {
		f.acc.pause()
	}
}

// ResumeAccept undoes PauseAccept.
func (f *SocketFactory) ResumeAccept() {
	if f.acc != nil && !f.closed.Load() {
		f.acc.resume()
	}
}

// Close stops listening or connecting, closes the socket unless it was
// already handed to the session, waits for the wheel's goroutines and
// lets the session go. It is idempotent, and it is what Heap.Delete and
// the session's stop call.
func (f *SocketFactory) Close() error {
	if !f.closed.CompareAndSwap(false, true) {
		return nil
	}
	if f.acc != nil {
		f.acc.close()
	}
	if f.cancel != nil {
		f.cancel()
	}
	f.wg.Wait()
	f.mu.Lock()
	conn, packet := f.conn, f.packet
	f.conn, f.packet = nil, nil
	f.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
	if packet != nil {
		_ = packet.Close()
	}
	f.o.release(f)
	return nil
}
