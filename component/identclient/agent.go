package identclient

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/internal/ident"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// Events an agent sends to the session that spawned it, and the token of
// its errors that are not an identd's ERROR answer.
const (
	// AgentReplyEvent gets (*Ref, opsys, userid, charset).
	AgentReplyEvent = "ident_agent_reply"
	// AgentErrorEvent gets (*Ref, token, err): token is the identd's
	// ERROR token, or UnknownError when the lookup failed otherwise; err
	// is the Go error (an *ErrorReply for an ERROR answer).
	AgentErrorEvent = "ident_agent_error"
	// UnknownError is RFC 1413's UNKNOWN-ERROR, the token of every
	// failure that is not the identd's own answer (the original spells
	// it "UKNOWN-ERROR").
	UnknownError = ident.UnknownError
)

// AgentOptions are POE::Component::Client::Ident::Agent's arguments, and
// the arguments of a Client's query event.
type AgentOptions struct {
	// Kernel is the kernel to run in (nil: as in session.Options). The
	// query event ignores it.
	Kernel *kernel.Kernel
	// PeerAddr and PeerPort are the remote end of the connection asked
	// about; SockAddr and SockPort are this host's end. PeerAddr must
	// be an IP address, and the query goes to its identd. SockAddr, if
	// given, is the address the query goes out from.
	PeerAddr string
	PeerPort int
	SockAddr string
	SockPort int
	// Socket, a TCP connection, gives all four at once and overrides
	// them.
	Socket net.Conn
	// IdentPort is the identd's port; 0 means 113.
	IdentPort int
	// BuggyIdentd accepts replies that end in LF or CR alone; otherwise
	// a reply must end in CR LF, as RFC 1413 says.
	BuggyIdentd bool
	// TimeOut bounds the connect, and then the wait for the answer;
	// 0 means 30 seconds.
	TimeOut time.Duration
	// Reference is handed back in the events' Ref.
	Reference any
}

// Ref is ARG0 of the reply events: the query's arguments, as the hash
// reference the original passes back.
type Ref struct {
	PeerAddr  string
	PeerPort  int
	SockAddr  string
	SockPort  int
	Reference any
}

// withDefaults checks o and fills in the defaults.
func (o AgentOptions) withDefaults() (AgentOptions, error) {
	if o.Socket != nil {
		local, err1 := addrPort(o.Socket.LocalAddr())
		remote, err2 := addrPort(o.Socket.RemoteAddr())
		if err := errors.Join(err1, err2); err != nil {
			return o, err
		}
		o.PeerAddr, o.PeerPort = remote.Addr().Unmap().String(), int(remote.Port())
		o.SockAddr, o.SockPort = local.Addr().Unmap().String(), int(local.Port())
	}
	if _, err := netip.ParseAddr(o.PeerAddr); err != nil {
		return o, fmt.Errorf("%w: PeerAddr %q is not an IP address", ErrQuery, o.PeerAddr)
	}
	if o.SockAddr != "" {
		if _, err := netip.ParseAddr(o.SockAddr); err != nil {
			return o, fmt.Errorf("%w: SockAddr %q is not an IP address", ErrQuery, o.SockAddr)
		}
	}
	if !ident.ValidPort(o.PeerPort) || !ident.ValidPort(o.SockPort) {
		return o, fmt.Errorf("%w: PeerPort %d, SockPort %d", ErrQuery, o.PeerPort, o.SockPort)
	}
	if o.IdentPort == 0 {
		o.IdentPort = DefaultIdentPort
	}
	if !ident.ValidPort(o.IdentPort) {
		return o, fmt.Errorf("%w: IdentPort %d", ErrQuery, o.IdentPort)
	}
	if o.TimeOut < 0 {
		return o, fmt.Errorf("%w: negative TimeOut", ErrQuery)
	}
	if o.TimeOut == 0 {
		o.TimeOut = DefaultTimeout
	}
	return o, nil
}

// Agent is POE::Component::Client::Ident::Agent: a session that makes one
// ident query and tells the session that spawned it the outcome, with
// exactly one AgentReplyEvent or AgentErrorEvent (none after Shutdown).
type Agent struct {
	id   int
	k    *kernel.Kernel
	opts AgentOptions
	ref  Ref

	sender int
	done   bool
	sf     *wheel.SocketFactory
	rw     *wheel.ReadWrite
}

// SpawnAgent starts an agent, a child of the calling session, which gets
// its events. Call it from a handler. It returns ErrQuery (wrapped) for
// options that do not name a connection.
func SpawnAgent(opts AgentOptions) (*Agent, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	a := &Agent{opts: o, ref: Ref{
		PeerAddr: o.PeerAddr, PeerPort: o.PeerPort,
		SockAddr: o.SockAddr, SockPort: o.SockPort, Reference: o.Reference,
	}}
	s, err := session.Create(session.Options{Kernel: o.Kernel, InlineStates: kernel.States{
		"_start":       a.start,
		"_sock_up":     a.sockUp,
		"_sock_failed": a.sockFailed,
		"_sock_down":   a.sockDown,
		"_parse_line":  a.parseLine,
		"_time_out":    a.timeOut,
		"shutdown":     a.shutdown,
	}})
	if err != nil {
		return nil, err
	}
	a.id = s.ID()
	a.k = s.Kernel()
	return a, nil
}

// SessionID returns the agent's session ID. Any goroutine may call it.
func (a *Agent) SessionID() int { return a.id }

// Shutdown ends the agent without an event. Call it from a handler of
// the agent's kernel.
func (a *Agent) Shutdown() {
	_, _ = a.k.Call(a.id, "shutdown")
}

func (a *Agent) start(e *kernel.Event) any {
	a.sender = e.Sender.ID()
	_ = e.Kernel.Delay("_time_out", a.opts.TimeOut)
	domain := "inet"
	if ip, _ := netip.ParseAddr(a.opts.PeerAddr); ip.Is6() && !ip.Is4In6() {
		domain = "inet6"
	}
	sf, err := wheel.NewSocketFactory(e.Kernel, wheel.SocketFactoryOptions{
		SocketDomain:  domain,
		RemoteAddress: a.opts.PeerAddr,
		RemotePort:    a.opts.IdentPort,
		BindAddress:   a.opts.SockAddr,
		SuccessEvent:  "_sock_up",
		FailureEvent:  "_sock_failed",
	})
	if err != nil {
		a.fail(e, UnknownError, err)
		return nil
	}
	a.sf = sf
	return nil
}

func (a *Agent) sockUp(e *kernel.Event) any {
	conn := e.Args[0].(net.Conn)
	a.closeFactory()
	if a.done {
		_ = conn.Close()
		return nil
	}
	f := filter.NewLine(filter.LineOptions{Literal: "\r\n", MaxLength: ident.MaxLine})
	if a.opts.BuggyIdentd {
		f = filter.NewLine(filter.LineOptions{MaxLength: ident.MaxLine})
	}
	rw, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
		Handle: conn, Filter: f,
		InputEvent: "_parse_line", ErrorEvent: "_sock_down",
	})
	if err != nil {
		_ = conn.Close()
		a.fail(e, UnknownError, err)
		return nil
	}
	a.rw = rw
	rw.Put(ident.FormatRequest(a.opts.PeerPort, a.opts.SockPort))
	// As the original, the timer starts again once connected.
	_ = e.Kernel.Delay("_time_out", a.opts.TimeOut)
	return nil
}

func (a *Agent) sockFailed(e *kernel.Event) any {
	op, _ := e.Args[0].(string)
	errnum, _ := e.Args[1].(int)
	errstr, _ := e.Args[2].(string)
	a.closeFactory()
	a.fail(e, UnknownError, fmt.Errorf("identclient: %s: %w", op, wheelErr(errnum, errstr)))
	return nil
}

func wheelErr(errnum int, errstr string) error {
	if errnum != 0 {
		return fmt.Errorf("%s: %w", errstr, syscall.Errno(errnum))
	}
	return errors.New(errstr)
}

func (a *Agent) sockDown(e *kernel.Event) any {
	op, _ := e.Args[0].(string)
	errnum, _ := e.Args[1].(int)
	errstr, _ := e.Args[2].(string)
	var err error
	switch {
	case op == "read" && errnum == 0:
		err = ErrNoReply
	case op == "read" && syscall.Errno(errnum) == syscall.EMSGSIZE:
		err = ErrTooLong
	default:
		err = fmt.Errorf("identclient: %s: %w", op, wheelErr(errnum, errstr))
	}
	a.fail(e, UnknownError, err)
	return nil
}

func (a *Agent) parseLine(e *kernel.Event) any {
	line, _ := e.Args[0].(string)
	r, err := interpret(line, a.opts.PeerPort, a.opts.SockPort)
	var er *ErrorReply
	switch {
	case errors.As(err, &er):
		a.fail(e, er.Token, er)
	case err != nil:
		a.fail(e, UnknownError, err)
	default:
		a.finish(e, AgentReplyEvent, r.OpSys, r.UserID, r.Charset)
	}
	return nil
}

func (a *Agent) timeOut(e *kernel.Event) any {
	a.fail(e, UnknownError, fmt.Errorf("identclient: no answer within %v: %w", a.opts.TimeOut, os.ErrDeadlineExceeded))
	return nil
}

func (a *Agent) shutdown(e *kernel.Event) any {
	a.done = true
	a.release(e)
	return nil
}

func (a *Agent) fail(e *kernel.Event, token string, err error) {
	a.finish(e, AgentErrorEvent, token, err)
}

// finish sends the one event of the agent and lets its session end.
func (a *Agent) finish(e *kernel.Event, event string, args ...any) {
	if a.done {
		return
	}
	a.done = true
	ref := a.ref
	_ = e.Kernel.Post(a.sender, event, append([]any{&ref}, args...)...)
	a.release(e)
}

func (a *Agent) release(e *kernel.Event) {
	e.Kernel.DelayClear("_time_out")
	a.closeFactory()
	if a.rw != nil {
		_ = a.rw.Close()
		a.rw = nil
	}
}

func (a *Agent) closeFactory() {
	if a.sf != nil {
		_ = a.sf.Close()
		a.sf = nil
	}
}
