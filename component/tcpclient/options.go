package tcpclient

import (
	"errors"
	"fmt"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/internal/marks"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// ErrOption reports options POE::Component::Client::TCP croaks on; the
// wrapped text says which.
var ErrOption = errors.New("tcpclient: invalid options")

// Options are POE::Component::Client::TCP's constructor parameters. The
// zero value of each field is POE's default. Callbacks are handlers that
// run in the client's session.
type Options struct {
	// RemoteAddress is the server's address or host name; empty is
	// 127.0.0.1 (::1 for "inet6"), as POE's default. For "unix" it is
	// the socket's path.
	RemoteAddress string
	// RemotePort is the server's port. Required, except for "unix".
	RemotePort int
	// BindAddress and BindPort bind the local end before connecting.
	BindAddress string
	BindPort    int
	// Domain is "inet" (the default), "inet6" or "unix".
	Domain string
	// ConnectTimeout bounds each connection attempt; past it ConnectError
	// gets ("connect", ETIMEDOUT, "Connection timed out"). 0: the
	// system's own timeout.
	ConnectTimeout time.Duration

	// Filter is the prototype of the connection's filter: each
	// connection gets Filter.Clone(). Nil: a new filter.Line.
	Filter filter.Filter

	// Started is called at the end of the session's _start, with Args as
	// its ARG0...
	Started kernel.Handler
	// PreConnect is called with the new net.Conn as ARG0 before its wheel
	// is made. It returns the io.ReadWriter to use (the same connection
	// or a wrapper, such as a *tls.Conn), or nil to drop the connection.
	PreConnect kernel.Handler
	// Connected is called once the connection is made and its wheel is in
	// the heap, with (conn, peerAddr, peerPort, wheelID).
	Connected kernel.Handler
	// ConnectError is called with (op, errnum, errstr, wheelID) when a
	// connection attempt fails. Nil: log the error to standard error.
	// Either way the attempt is over; reconnect (perhaps with Delay) to
	// try again, or the session ends.
	ConnectError kernel.Handler
	// ServerInput is called with (record, wheelID) for each record the
	// server sends. Required.
	ServerInput kernel.Handler
	// ServerError is called with (op, errnum, errstr, wheelID) when the
	// connection fails; errnum 0 with op "read" is the server's EOF. The
	// component then shuts down. Nil: log it to standard error.
	ServerError kernel.Handler
	// ServerFlushed is called with (wheelID) each time the output buffer
	// has been written out.
	ServerFlushed kernel.Handler
	// Disconnected is called when an established connection has ended.
	// Reconnect from it (perhaps with Delay) to keep the client going.
	Disconnected kernel.Handler

	// HighMark, LowMark, ServerHigh and ServerLow go together: ServerHigh
	// gets (wheelID) when the output buffer reaches HighMark bytes,
	// ServerLow when it drains to LowMark.
	HighMark   int
	LowMark    int
	ServerHigh kernel.Handler
	ServerLow  kernel.Handler

	// InlineStates and ObjectStates are more handlers for the session.
	// As in POE they are added last, so they can replace the
	// component's own.
	InlineStates kernel.States
	ObjectStates []session.ObjectStates
	// Args are ARG0... of Started.
	Args []any
	// Alias names the session, so that others can post it "connect",
	// "reconnect" and "shutdown".
	Alias string
	// SessionParams are the session's "options" ("trace", "debug",
	// "default"), POE's SessionParams => [options => {...}].
	SessionParams map[string]any

	// Kernel is the kernel to run in; nil as in session.Options.
	Kernel *kernel.Kernel
}

// config is what the options resolve to.
type config struct {
	Options
	domain string
	marks  bool
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
	if c.ServerInput == nil {
		return c, fmt.Errorf("%w: ServerInput is required", ErrOption)
	}
	if c.RemoteAddress == "" {
		switch c.domain {
		case "inet":
			c.RemoteAddress = "127.0.0.1"
		case "inet6":
			c.RemoteAddress = "::1"
		default:
			return c, fmt.Errorf("%w: a unix client needs RemoteAddress, the socket's path", ErrOption)
		}
	}
	if c.domain != "unix" && (c.RemotePort <= 0 || c.RemotePort > 65535) {
		return c, fmt.Errorf("%w: RemotePort %d", ErrOption, c.RemotePort)
	}
	if c.BindPort < 0 || c.BindPort > 65535 {
		return c, fmt.Errorf("%w: BindPort %d", ErrOption, c.BindPort)
	}
	if c.ConnectTimeout < 0 {
		return c, fmt.Errorf("%w: negative ConnectTimeout", ErrOption)
	}
	on, err := marks.Check(c.HighMark, c.LowMark, c.ServerHigh != nil, c.ServerLow != nil, "ServerHigh", "ServerLow")
	if err != nil {
		return c, fmt.Errorf("%w: %v", ErrOption, err)
	}
	c.marks = on
	return c, nil
}
