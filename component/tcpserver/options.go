package tcpserver

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/internal/marks"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// Errors New returns for options POE::Component::Server::TCP croaks on.
var (
	// ErrOption reports an inconsistent set of options; the wrapped text
	// says which.
	ErrOption = errors.New("tcpserver: invalid options")
	// ErrReservedState reports an InlineStates or ObjectStates event
	// that the component handles itself (POE croaks on them under
	// ASSERT_USAGE).
	ErrReservedState = errors.New("tcpserver: state name reserved by the component")
)

// Dropper decides, for each accepted connection, whether its peer is
// flooding the server. component/dropper's ByIPPort is one. RunConn is
// called in the listening session's handler, one call per connection.
type Dropper interface {
	RunConn(from netip.AddrPort) bool
}

// Options are POE::Component::Server::TCP's constructor parameters. The
// zero value of each field is POE's default unless its comment says
// otherwise. Callbacks are handlers: they get the event of the session
// they run in, as POE's coderefs get @_.
type Options struct {
	// Port is the port to listen on; 0 lets the system choose (see
	// Server.Port).
	Port int
	// Address is the interface to bind: an IP address, or a path for the
	// "unix" Domain. Empty: Hostname if given, else the loopback address,
	// 127.0.0.1 (or ::1 for "inet6"); POE binds to INADDR_ANY. Give
	// "0.0.0.0" or "::" to listen everywhere.
	Address string
	// Hostname is a name resolved once to the address to bind, used when
	// Address is empty.
	Hostname string
	// Domain is "inet" (the default), "inet6" or "unix".
	Domain string
	// Alias names the listening session, so that other sessions can post
	// "shutdown" or "set_concurrency" to it.
	Alias string
	// Concurrency bounds the connections handled at once: at the bound
	// the server stops accepting, and it resumes when one ends. 0 and
	// -1 mean no bound (POE: -1 is the default and 0 accepts nothing;
	// post "set_concurrency" with 0 from Started for that).
	Concurrency int

	// Started is called at the end of the listening session's _start,
	// with ListenerArgs as its ARG0...
	Started kernel.Handler
	// Stopped is called at the start of the listening session's _stop.
	Stopped kernel.Handler
	// Error is called in the listening session when listening or
	// accepting fails, with (op, errnum, errstr, wheelID). Nil: log the
	// error to standard error and stop listening, as POE.
	Error kernel.Handler
	// Acceptor, instead of ClientInput, handles each accepted connection
	// in the listening session, with (conn net.Conn, remoteIP, remotePort,
	// wheelID). The Client* options are then not allowed. With
	// Concurrency, the acceptor's sessions must post "disconnected" to
	// the server when their connection ends.
	Acceptor kernel.Handler
	// ListenerArgs are ARG0... of the listening session's _start, and so
	// of Started.
	ListenerArgs []any

	// ClientInput is called in a connection's session for each record
	// the client sends: (record, wheelID). It, or Acceptor, is required.
	ClientInput kernel.Handler
	// ClientPreConnect is called in a connection's session before its
	// wheel is made, with the net.Conn as ARG0. It returns the net.Conn
	// to use (the same one, or a wrapper such as a *tls.Conn), or nil to
	// reject the connection, which is then closed.
	ClientPreConnect kernel.Handler
	// ClientConnected is called at the end of a connection's _start,
	// with ClientArgs as its ARG0...
	ClientConnected kernel.Handler
	// ClientDisconnected is called once when the connection has ended,
	// from the client or from the server.
	ClientDisconnected kernel.Handler
	// ClientError is called with (op, errnum, errstr, wheelID) when the
	// connection fails; errnum 0 with op "read" is the client's EOF. Nil:
	// log errors other than EOF and ECONNRESET to standard error.
	ClientError kernel.Handler
	// ClientFlushed is called with (wheelID) each time the connection's
	// output buffer has been written out.
	ClientFlushed kernel.Handler
	// ClientShutdownOnError shuts a connection down after ClientError.
	// Nil means true, as in POE; new(false) turns it off.
	ClientShutdownOnError *bool

	// ClientFilter is the prototype of each connection's filter: every
	// connection gets ClientFilter.Clone(). Nil: a new filter.Line.
	// ClientInputFilter and ClientOutputFilter, which go together, give
	// the two directions different filters and exclude ClientFilter.
	ClientFilter       filter.Filter
	ClientInputFilter  filter.Filter
	ClientOutputFilter filter.Filter

	// HighMark, LowMark, ClientHigh and ClientLow go together: the
	// connection's ReadWrite calls ClientHigh with (wheelID) when its
	// output buffer reaches HighMark bytes and ClientLow when it drains
	// to LowMark.
	HighMark   int
	LowMark    int
	ClientHigh kernel.Handler
	ClientLow  kernel.Handler

	// ClientArgs are ARG0... of ClientConnected. Args is POE's older name
	// for them; give one or the other.
	ClientArgs []any
	Args       []any

	// InlineStates and ObjectStates are more handlers for each
	// connection's session (not the listening session). They may not
	// name the events the component handles: _start, _stop, _child,
	// shutdown and tcp_server_got_*.
	InlineStates kernel.States
	ObjectStates []session.ObjectStates
	// SessionParams are the "options" of each connection's session
	// ("trace", "debug", "default"), POE's SessionParams => [options =>
	// {...}].
	SessionParams map[string]any

	// Dropper, if set, sees the peer of each accepted connection before
	// anything else; a connection it reports is closed at once, counts
	// for nothing against Concurrency and gets no session. DropEvent, if
	// set, is then called in the listening session with (remoteIP,
	// remotePort, wheelID), as the UDP wheel's DropEvent. While the
	// server is paused at its Concurrency bound nothing is accepted, so
	// flooders wait in the listen queue like everyone else and are
	// dropped when accepting resumes.
	Dropper   Dropper
	DropEvent kernel.Handler

	// Kernel is the kernel to run in; nil as in session.Options.
	Kernel *kernel.Kernel
}

// reserved are the events the connection sessions handle themselves.
var reserved = []string{
	"_child", "_start", "_stop", "shutdown",
	evError, evFlush, evHigh, evInput, evLow,
}

// config is what the options resolve to.
type config struct {
	Options
	domain      string
	bind        string // BindAddress for the SocketFactory
	concurrency int    // POE's heap value: -1 for no bound
	shutOnError bool
	clientArgs  []any
	marks       bool
}

// withDefaults validates o and fills in the defaults, leaving the
// caller's struct alone.
func (o *Options) withDefaults() (config, error) {
	c := config{Options: *o}
	switch c.Domain {
	case "", "inet":
		c.domain = "inet"
	case "inet6", "unix":
		c.domain = c.Domain
	default:
		return c, fmt.Errorf("%w: Domain %q (want inet, inet6 or unix)", ErrOption, c.Domain)
	}
	if c.Port < 0 || c.Port > 65535 {
		return c, fmt.Errorf("%w: Port %d", ErrOption, c.Port)
	}
	c.bind = c.Address
	if c.bind == "" {
		c.bind = c.Hostname
	}
	if c.bind == "" {
		switch c.domain {
		case "inet":
			c.bind = "127.0.0.1"
		case "inet6":
			c.bind = "::1"
		default:
			return c, fmt.Errorf("%w: a unix server needs Address, the socket's path", ErrOption)
		}
	}
	if (c.Acceptor == nil) == (c.ClientInput == nil) {
		return c, fmt.Errorf("%w: give either an Acceptor or a ClientInput, not both", ErrOption)
	}
	if c.ClientInput == nil {
		if name := c.clientOption(); name != "" {
			return c, fmt.Errorf("%w: %s not permitted without ClientInput", ErrOption, name)
		}
	}
	if (c.ClientInputFilter == nil) != (c.ClientOutputFilter == nil) {
		return c, fmt.Errorf("%w: ClientInputFilter must be used with ClientOutputFilter", ErrOption)
	}
	if c.ClientFilter != nil && c.ClientInputFilter != nil {
		return c, fmt.Errorf("%w: ClientFilter excludes ClientInputFilter and ClientOutputFilter", ErrOption)
	}
	on, err := marks.Check(c.HighMark, c.LowMark, c.ClientHigh != nil, c.ClientLow != nil, "ClientHigh", "ClientLow")
	if err != nil {
		return c, fmt.Errorf("%w: %v", ErrOption, err)
	}
	c.marks = on
	if c.ClientArgs != nil && c.Args != nil {
		return c, fmt.Errorf("%w: Args is the old name of ClientArgs; give one", ErrOption)
	}
	c.clientArgs = c.ClientArgs
	if c.clientArgs == nil {
		c.clientArgs = c.Args
	}
	c.concurrency = c.Concurrency
	if c.concurrency <= 0 {
		c.concurrency = -1
	}
	c.shutOnError = c.ClientShutdownOnError == nil || *c.ClientShutdownOnError
	if c.DropEvent != nil && c.Dropper == nil {
		return c, fmt.Errorf("%w: DropEvent without a Dropper", ErrOption)
	}
	for name := range c.InlineStates {
		if slices.Contains(reserved, name) {
			return c, fmt.Errorf("%w: InlineStates %q", ErrReservedState, name)
		}
	}
	for _, os := range c.ObjectStates {
		for _, name := range os.Events {
			if slices.Contains(reserved, name) {
				return c, fmt.Errorf("%w: ObjectStates %q", ErrReservedState, name)
			}
		}
		for name := range os.Map {
			if slices.Contains(reserved, name) {
				return c, fmt.Errorf("%w: ObjectStates %q", ErrReservedState, name)
			}
		}
	}
	return c, nil
}

// clientOption names the first connection option given, for the error
// of an Acceptor server that has one.
func (c *config) clientOption() string {
	switch {
	case c.ClientPreConnect != nil:
		return "ClientPreConnect"
	case c.ClientConnected != nil:
		return "ClientConnected"
	case c.ClientDisconnected != nil:
		return "ClientDisconnected"
	case c.ClientError != nil:
		return "ClientError"
	case c.ClientFlushed != nil:
		return "ClientFlushed"
	case c.ClientShutdownOnError != nil:
		return "ClientShutdownOnError"
	case c.ClientFilter != nil:
		return "ClientFilter"
	case c.ClientInputFilter != nil:
		return "ClientInputFilter"
	case c.ClientOutputFilter != nil:
		return "ClientOutputFilter"
	case c.ClientHigh != nil:
		return "ClientHigh"
	case c.ClientLow != nil:
		return "ClientLow"
	case c.ClientArgs != nil:
		return "ClientArgs"
	case c.Args != nil:
		return "Args"
	case c.InlineStates != nil:
		return "InlineStates"
	case c.ObjectStates != nil:
		return "ObjectStates"
	case c.SessionParams != nil:
		return "SessionParams"
	}
	return ""
}
