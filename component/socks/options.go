package socks

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/seed02617006/poe/kernel"
)

// Defaults of the original, and of the SOCKS 4 specification.
const (
	DefaultAddress = "127.0.0.1" // where the server listens: loopback only
	DefaultPort    = 1080        // SOCKS's port
	// DefaultTimeOut is time_out's default: a tunnel with no traffic
	// either way for this long is closed.
	DefaultTimeOut = 120 * time.Second
	// DefaultEstablishTimeOut is the SOCKS 4 specification's two
	// minutes: a client whose request is not answered by then (request
	// incomplete, ident, DNS, connect, or BIND's incoming connection not
	// there) is rejected.
	DefaultEstablishTimeOut = 2 * time.Minute
)

// AnyPort as Options.Port makes the server listen on a port the system
// chooses; Server.Port tells which. (Port 0 means DefaultPort, as the
// original's `port || 1080` does.)
const AnyPort = -1

// Resolver looks up SOCKS 4a host names; *net.Resolver is one.
type Resolver interface {
	LookupHost(ctx context.Context, host string) (addrs []string, err error)
}

// Dialer makes the server's connections to destinations; *net.Dialer is
// one.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Dropper decides whether an accepted connection is dropped before
// anything else is done with it; *dropper.ByIPPort is one (see its
// RunConn). It is called from the server's session.
type Dropper interface {
	RunConn(from netip.AddrPort) bool
}

// IdentFunc asks the identd of client's host (port 113) who owns the TCP
// connection from client to server, as RFC 1413 does, and returns the
// user ID. It must return once ctx is done. See ErrIdentNoUser for what
// its error means.
type IdentFunc func(ctx context.Context, client, server netip.AddrPort) (userid string, err error)

// Options are POE::Component::Proxy::SOCKS->spawn's parameters (alias,
// address, port, ident, options, time_out) and the hooks a Go program
// may want to replace. The zero value of each field is the original's
// default.
type Options struct {
	// Alias is a kernel alias for the server's session. Without one the
	// session keeps itself alive with a reference count until shutdown.
	Alias string
	// Address is the IP address to listen on; "" is 127.0.0.1 (the
	// original listens on every interface: give "0.0.0.0" for that).
	Address string
	// Port is the TCP port to listen on; 0 is 1080, AnyPort lets the
	// system choose.
	Port int
	// Ident makes the server ask the client's identd for the owner of
	// the connection and compare it with the request's USERID.
	Ident bool
	// Options are session options ("trace", "default", ...), as POE's
	// options hash.
	Options map[string]any
	// TimeOut is time_out: how long a connection may see no traffic in
	// either direction before it is closed; 0 is 120 seconds.
	TimeOut time.Duration
	// EstablishTimeOut bounds the time from accepting a client to its
	// (last) granting reply; 0 is two minutes, as the SOCKS 4
	// specification says.
	EstablishTimeOut time.Duration
	// Resolver resolves SOCKS 4a host names; nil is net.DefaultResolver.
	Resolver Resolver
	// Dialer connects to destinations; nil is a net.Dialer without TCP
	// keep-alive.
	Dialer Dialer
	// Dropper, when set, is asked about each accepted connection first;
	// a dropped one is closed and reported as socksd_dropped.
	Dropper Dropper
	// IdentLookup replaces the RFC 1413 lookup used when Ident is set.
	IdentLookup IdentFunc
	// Kernel is the kernel to run in; nil as in session.Options.
	Kernel *kernel.Kernel
}

// withDefaults checks o and returns a copy with the defaults filled in.
func (o Options) withDefaults() (Options, error) {
	switch {
	case o.Port < AnyPort || o.Port > 0xffff:
		return o, fmt.Errorf("%w: port %d", ErrOptions, o.Port)
	case o.TimeOut < 0:
		return o, fmt.Errorf("%w: negative TimeOut %v", ErrOptions, o.TimeOut)
	case o.EstablishTimeOut < 0:
		return o, fmt.Errorf("%w: negative EstablishTimeOut %v", ErrOptions, o.EstablishTimeOut)
	}
	if o.Address == "" {
		o.Address = DefaultAddress
	}
	switch o.Port {
	case 0:
		o.Port = DefaultPort
	case AnyPort:
		o.Port = 0
	}
	if o.TimeOut == 0 {
		o.TimeOut = DefaultTimeOut
	}
	if o.EstablishTimeOut == 0 {
		o.EstablishTimeOut = DefaultEstablishTimeOut
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Dialer == nil {
		// No TCP keep-alive, as the original's sockets: Go's default
		// costs four system calls per connection.
		o.Dialer = &net.Dialer{KeepAlive: -1}
	}
	if o.Ident && o.IdentLookup == nil {
		o.IdentLookup = defaultIdent
	}
	return o, nil
}
