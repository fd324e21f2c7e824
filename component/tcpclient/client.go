package tcpclient

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// The component's internal events, POE's names.
const (
	evSuccess = "got_connect_success"
	evFailure = "got_connect_error"
	evTimeout = "got_connect_timeout"
	evInput   = "got_server_input"
	evError   = "got_server_error"
	evFlush   = "got_server_flush"
	evHigh    = "got_high"
	evLow     = "got_low"
)

// Client is a running POE::Component::Client::TCP: one session that
// connects, talks to the server through the ReadWrite wheel in its heap,
// and reconnects when asked.
type Client struct {
	cfg     config
	session *kernel.Session
	// address and port are where the next connection goes; the
	// "connect" event changes them. Touched only by the session's
	// handlers.
	address string
	port    int
}

// New starts a client: it creates the session, whose _start yields
// "reconnect", so the first connection attempt starts once the kernel
// runs. Call it from a handler, or before the kernel runs from the
// goroutine that will run it. It returns an error for options POE croaks
// on.
func New(opts Options) (*Client, error) {
	cfg, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, address: cfg.RemoteAddress, port: cfg.RemotePort}
	states := kernel.States{
		"_start":    c.start,
		"_stop":     func(*kernel.Event) any { return nil },
		"_child":    func(*kernel.Event) any { return nil },
		"reconnect": c.reconnect,
		"connect":   c.connect,
		"shutdown":  c.shutdown,
		evSuccess:   c.connected,
		evFailure:   c.connectError,
		evTimeout:   c.connectTimeout,
		evInput:     c.input,
		evError:     c.serverError,
		evFlush:     c.flushed,
	}
	if cfg.marks {
		states[evHigh] = cfg.ServerHigh
		states[evLow] = cfg.ServerLow
	}
	for name, h := range cfg.InlineStates {
		states[name] = h
	}
	s, err := session.Create(session.Options{
		Kernel:       cfg.Kernel,
		InlineStates: states,
		ObjectStates: cfg.ObjectStates,
		Args:         cfg.Args,
		Options:      cfg.SessionParams,
	})
	if err != nil {
		return nil, err
	}
	c.session = s
	return c, nil
}

// SessionID returns the client session's ID, which POE's new returns. Any
// goroutine may call it.
func (c *Client) SessionID() int { return c.session.ID() }

// Session returns the client's session.
func (c *Client) Session() *kernel.Session { return c.session }

// Shutdown posts "shutdown" to the client: it writes what was put, then
// disconnects. Any goroutine may call it; it returns
// kernel.ErrNoSuchSession once the client has stopped.
func (c *Client) Shutdown() error {
	return c.session.Kernel().Outside().Post(c.session, "shutdown")
}

func (c *Client) start(e *kernel.Event) any {
	e.Heap["shutdown_on_error"] = true
	c.setAlias(e)
	e.Kernel.Yield("reconnect")
	if c.cfg.Started != nil {
		c.cfg.Started(e)
	}
	return nil
}

func (c *Client) setAlias(e *kernel.Event) {
	if c.cfg.Alias == "" {
		return
	}
	if err := e.Kernel.AliasSet(c.cfg.Alias); err != nil {
		fmt.Fprintf(os.Stderr, "Client %d: alias %q: %v\n", e.Session.ID(), c.cfg.Alias, err)
	}
}

// reconnect drops the current connection, if any, and starts a new
// attempt.
func (c *Client) reconnect(e *kernel.Event) any {
	h := e.Heap
	h["shutdown"] = false
	h["connected"] = false
	// POE keeps got_an_error across reconnects, so a later shutdown
	// would drop output unwritten; a new connection starts clean.
	delete(h, "got_an_error")
	c.setAlias(e)
	h.Delete("server")
	c.clearTimeout(e)
	o := wheel.SocketFactoryOptions{
		SocketDomain:  c.cfg.domain,
		RemoteAddress: c.address,
		RemotePort:    c.port,
		BindAddress:   c.cfg.BindAddress,
		BindPort:      c.cfg.BindPort,
		SuccessEvent:  evSuccess,
		FailureEvent:  evFailure,
	}
	if c.cfg.domain == "unix" {
		o.RemotePort = 0
	}
	f, err := wheel.NewSocketFactory(e.Kernel, o)
	if err != nil {
		// An address the "connect" event set that cannot be used.
		num, str := wheel.Errno(err)
		e.Kernel.Yield(evFailure, "connect", num, str, 0)
		return nil
	}
	h["server"] = f
	if c.cfg.ConnectTimeout > 0 {
		id, err := e.Kernel.DelaySet(evTimeout, c.cfg.ConnectTimeout, f.ID())
		if err == nil {
			h["ctimeout_id"] = id
		}
	}
	return nil
}

func (c *Client) clearTimeout(e *kernel.Event) {
	if id, ok := e.Heap["ctimeout_id"].(kernel.AlarmID); ok {
		delete(e.Heap, "ctimeout_id")
		_, _ = e.Kernel.AlarmRemove(id)
	}
}

// connect is the public "connect" event: ARG0 and ARG1, when given, are
// a new address and port for this and later connections.
func (c *Client) connect(e *kernel.Event) any {
	if a, ok := e.Arg(0).(string); ok && a != "" {
		c.address = a
	}
	if p, ok := e.Arg(1).(int); ok && p != 0 {
		c.port = p
	}
	e.Kernel.Yield("reconnect")
	return nil
}

func (c *Client) connected(e *kernel.Event) any {
	h := e.Heap
	c.clearTimeout(e)
	conn, _ := e.Arg(0).(net.Conn)
	if conn == nil {
		return nil
	}
	var handle io.ReadWriter = conn
	if c.cfg.PreConnect != nil {
		rw, ok := c.cfg.PreConnect(e).(io.ReadWriter)
		if !ok || rw == nil {
			h["connected"] = false
			_ = conn.Close()
			return nil
		}
		handle = rw
	}
	o := wheel.ReadWriteOptions{
		Handle:     handle,
		InputEvent: evInput,
		ErrorEvent: evError,
	}
	if c.cfg.ServerFlushed != nil {
		// Otherwise the flush is heard only when a shutdown waits for
		// it (shutdown): an event per flush saved.
		o.FlushedEvent = evFlush
	}
	if c.cfg.Filter != nil {
		o.Filter = c.cfg.Filter.Clone()
	}
	if c.cfg.marks {
		o.HighMark, o.LowMark = c.cfg.HighMark, c.cfg.LowMark
		o.HighEvent, o.LowEvent = evHigh, evLow
	}
	h.Delete("server") // the factory, which has done its work
	w, err := wheel.NewReadWrite(e.Kernel, o)
	if err != nil {
		if cl, ok := handle.(io.Closer); ok {
			_ = cl.Close()
		}
		_ = conn.Close()
		fmt.Fprintf(os.Stderr, "Client %d: %v\n", e.Session.ID(), err)
		return nil
	}
	h["server"] = w
	h["connected"] = true
	if c.cfg.Connected != nil {
		c.cfg.Connected(e)
	}
	return nil
}

func (c *Client) connectError(e *kernel.Event) any {
	c.clearTimeout(e)
	e.Heap["connected"] = false
	if c.cfg.ConnectError != nil {
		c.cfg.ConnectError(e)
	} else {
		defaultConnectError(e)
	}
	c.dropFactory(e)
	return nil
}

// dropFactory deletes the heap's "server" if it is still the factory of
// the failed attempt: ConnectError may have started a new one with a
// Call to reconnect.
func (c *Client) dropFactory(e *kernel.Event) {
	f, ok := e.Heap["server"].(*wheel.SocketFactory)
	if !ok {
		return
	}
	if id, ok := e.Arg(3).(int); ok && id != 0 && id != f.ID() {
		return
	}
	e.Heap.Delete("server")
}

// connectTimeout ends an attempt that took longer than ConnectTimeout.
// ARG0 is the attempt's wheel ID.
func (c *Client) connectTimeout(e *kernel.Event) any {
	h := e.Heap
	f, ok := h["server"].(*wheel.SocketFactory)
	if !ok || f.ID() != e.Arg(0) {
		return nil // the attempt ended meanwhile
	}
	delete(h, "ctimeout_id")
	h["connected"] = false
	num, str := wheel.Errno(syscall.ETIMEDOUT)
	ev := *e
	ev.Args = []any{"connect", num, str, f.ID()}
	if c.cfg.ConnectError != nil {
		c.cfg.ConnectError(&ev)
	} else {
		defaultConnectError(&ev)
	}
	c.dropFactory(&ev)
	return nil
}

func (c *Client) input(e *kernel.Event) any {
	if shut, _ := e.Heap["shutdown"].(bool); shut {
		return nil
	}
	c.cfg.ServerInput(e)
	return nil
}

func (c *Client) serverError(e *kernel.Event) any {
	if c.cfg.ServerError != nil {
		c.cfg.ServerError(e)
	} else {
		defaultServerError(e)
	}
	if on, _ := e.Heap["shutdown_on_error"].(bool); on {
		e.Kernel.Yield("shutdown")
		// The server's EOF is not a failure: what was put before it
		// still goes out (POE discards it).
		if op, _ := e.Arg(0).(string); op != "read" || e.Arg(1) != 0 {
			e.Heap["got_an_error"] = true
		}
	}
	return nil
}

func (c *Client) flushed(e *kernel.Event) any {
	if c.cfg.ServerFlushed != nil {
		c.cfg.ServerFlushed(e)
	}
	if shut, _ := e.Heap["shutdown"].(bool); shut {
		if _, ok := e.Heap["server"].(*wheel.ReadWrite); ok {
			e.Heap.Delete("server")
			c.disconnected(e)
		}
	}
	return nil
}

// shutdown is the public "shutdown" event: input is ignored from now on,
// and the connection closes once what was put has been written (at once
// after an error); an attempt under way is abandoned.
func (c *Client) shutdown(e *kernel.Event) any {
	h := e.Heap
	h["shutdown"] = true
	c.clearTimeout(e)
	if conn, _ := h["connected"].(bool); conn {
		h["connected"] = false
		if w, ok := h["server"].(*wheel.ReadWrite); ok {
			// FlushedEvent first, then the check: output that
			// drains in between is reported.
			_ = w.Event("FlushedEvent", evFlush)
			if bad, _ := h["got_an_error"].(bool); bad || w.GetDriverOutOctets() == 0 {
				h.Delete("server")
				c.disconnected(e)
			}
		}
	} else {
		h.Delete("server")
	}
	if c.cfg.Alias != "" {
		_ = e.Kernel.AliasRemove(c.cfg.Alias)
	}
	return nil
}

func (c *Client) disconnected(e *kernel.Event) {
	if c.cfg.Disconnected != nil {
		c.cfg.Disconnected(e)
	}
}

// defaultConnectError logs the failure, as POE's _default_error.
func defaultConnectError(e *kernel.Event) {
	op, _ := e.Arg(0).(string)
	num, _ := e.Arg(1).(int)
	if op == "read" && (num == 0 || num == int(syscall.ECONNRESET)) {
		return
	}
	fmt.Fprintf(os.Stderr, "Client %d got %s error %d (%v)\n", e.Session.ID(), op, num, e.Arg(2))
}

// defaultServerError logs the failure, as POE's _default_io_error (the
// shutdown that follows is the component's).
func defaultServerError(e *kernel.Event) {
	op, _ := e.Arg(0).(string)
	num, _ := e.Arg(1).(int)
	str := e.Arg(2)
	if num == 0 {
		str = "Normal disconnection"
	}
	fmt.Fprintf(os.Stderr, "Client %d got %s error %d (%v)\n", e.Session.ID(), op, num, str)
}
