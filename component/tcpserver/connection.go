package tcpserver

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// clientStates are the handlers of every connection session: made once per
// server, shared by its connections (the kernel does not copy them).
func (s *Server) clientStates() kernel.States {
	st := kernel.States{
		"_start":   s.clientStart,
		"_stop":    s.clientStop,
		"_child":   func(*kernel.Event) any { return nil },
		evInput:    s.clientInput,
		evError:    s.clientError,
		evFlush:    s.clientFlush,
		"shutdown": s.clientShutdown,
	}
	if s.cfg.marks {
		st[evHigh] = s.cfg.ClientHigh
		st[evLow] = s.cfg.ClientLow
	}
	for name, h := range s.cfg.InlineStates {
		st[name] = h
	}
	return st
}

// clientStart sets up a connection: ARG0 is the net.Conn, ARG1 and ARG2
// the peer's address and port.
func (s *Server) clientStart(e *kernel.Event) any {
	h := e.Heap
	cs := &connState{}
	h[connKey] = cs
	h["shutdown"] = false
	h["shutdown_on_error"] = s.cfg.shutOnError
	conn, _ := e.Arg(0).(net.Conn)
	if conn == nil {
		return nil
	}
	if s.cfg.domain == "unix" {
		h["remote_ip"] = "LOCAL"
	} else {
		h["remote_ip"] = e.Arg(1)
	}
	h["remote_port"] = e.Arg(2)
	h["remote_addr"] = conn.RemoteAddr()

	var handle io.ReadWriter = conn
	if s.cfg.ClientPreConnect != nil {
		rw, ok := s.cfg.ClientPreConnect(e).(io.ReadWriter)
		if !ok || rw == nil {
			// Rejected: POE drops the socket, which closes it.
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
	if s.cfg.ClientFlushed != nil {
		// Otherwise the flush is heard only when a shutdown waits for
		// it (clientShutdown): an event per reply saved.
		o.FlushedEvent = evFlush
	}
	switch {
	case s.cfg.ClientInputFilter != nil:
		o.InputFilter = s.cfg.ClientInputFilter.Clone()
		o.OutputFilter = s.cfg.ClientOutputFilter.Clone()
	case s.cfg.ClientFilter != nil:
		o.Filter = s.cfg.ClientFilter.Clone()
	}
	if s.cfg.marks {
		o.HighMark, o.LowMark = s.cfg.HighMark, s.cfg.LowMark
		o.HighEvent, o.LowEvent = evHigh, evLow
	}
	w, err := wheel.NewReadWrite(e.Kernel, o)
	if err != nil {
		closeHandle(handle, conn)
		fmt.Fprintf(os.Stderr, "%d: Client session %d: %v\n", os.Getpid(), e.Session.ID(), err)
		return nil
	}
	h["client"] = w
	cs.connected = true
	callWith(s.cfg.ClientConnected, e, s.cfg.clientArgs)
	return nil
}

// closeHandle closes what ClientPreConnect returned and the connection
// under it.
func closeHandle(handle io.ReadWriter, conn net.Conn) {
	if c, ok := handle.(io.Closer); ok {
		_ = c.Close()
	}
	_ = conn.Close()
}

func (s *Server) clientInput(e *kernel.Event) any {
	if shut, _ := e.Heap["shutdown"].(bool); shut {
		return nil
	}
	s.cfg.ClientInput(e)
	return nil
}

func (s *Server) clientError(e *kernel.Event) any {
	if s.cfg.ClientError != nil {
		s.cfg.ClientError(e)
	} else {
		defaultClientError(e)
	}
	if on, _ := e.Heap["shutdown_on_error"].(bool); on {
		// The client's EOF is not a failure: what was put before it
		// still goes out (POE discards it).
		if op, _ := e.Arg(0).(string); op != "read" || e.Arg(1) != 0 {
			e.Heap["got_an_error"] = true
		}
		e.Kernel.Yield("shutdown")
	}
	return nil
}

// defaultClientError logs errors other than the client's EOF and reset.
func defaultClientError(e *kernel.Event) {
	op, _ := e.Arg(0).(string)
	num, _ := e.Arg(1).(int)
	if op == "read" && (num == 0 || num == int(syscall.ECONNRESET)) {
		return
	}
	str := e.Arg(2)
	if num == 0 {
		str = "(no error)"
	}
	fmt.Fprintf(os.Stderr, "%d: Client session %d got %s error %d (%v)\n", os.Getpid(), e.Session.ID(), op, num, str)
}

func (s *Server) clientFlush(e *kernel.Event) any {
	call(s.cfg.ClientFlushed, e)
	if shut, _ := e.Heap["shutdown"].(bool); shut {
		s.clientDisconnected(e)
		e.Heap.Delete("client")
	}
	return nil
}

// clientShutdown is the connection's "shutdown": input is ignored from
// now on, and the connection closes once its output has been written
// (at once after an error).
func (s *Server) clientShutdown(e *kernel.Event) any {
	h := e.Heap
	h["shutdown"] = true
	w, ok := h["client"].(*wheel.ReadWrite)
	if !ok {
		return nil
	}
	// FlushedEvent first, then the check: output that drains in
	// between is reported.
	_ = w.Event("FlushedEvent", evFlush)
	if bad, _ := h["got_an_error"].(bool); bad || w.GetDriverOutOctets() == 0 {
		s.clientDisconnected(e)
		h.Delete("client")
	}
	return nil
}

// clientDisconnected calls ClientDisconnected once per connection that
// ClientConnected saw.
func (s *Server) clientDisconnected(e *kernel.Event) {
	cs, _ := e.Heap[connKey].(*connState)
	if cs == nil || !cs.connected || cs.disconnected {
		return
	}
	cs.disconnected = true
	call(s.cfg.ClientDisconnected, e)
}

// clientStop tells ClientDisconnected, if nothing has yet (the session
// ended without a shutdown), and the server, which counts connections.
func (s *Server) clientStop(e *kernel.Event) any {
	s.clientDisconnected(e)
	_, _ = e.Kernel.Call(s.session, "disconnected")
	return nil
}
