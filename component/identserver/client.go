package identserver

import (
	"errors"
	"math/rand/v2"
	"net"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/internal/ident"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

const (
	// maxPending bounds the unanswered queries of one connection
	// (Multiple); past it the server stops reading that connection
	// until answers catch up.
	maxPending = 32
	// highMark and lowMark bound the answers waiting to be written to a
	// client that does not read them: input pauses in between.
	highMark = 16 << 10
	lowMark  = 2 << 10
)

// query is one unanswered query.
type query struct {
	p1, p2 int
	alarm  kernel.AlarmID
}

// client is one connection's session, as the original's per-client
// session: it reads queries, asks the registered sessions, and writes the
// answers.
type client struct {
	s        *Server
	id       int
	peerAddr string
	peerPort int
	rw       *wheel.ReadWrite

	pending   []*query // oldest first
	asked     bool     // a query was read (without Multiple, the only one)
	closing   bool     // close once the output is flushed
	eof       bool     // the client sent all it will: close once answered
	full      bool     // input paused: too many pending queries
	highWater bool     // input paused: too much output waiting
}

func newClient(e *kernel.Event, s *Server, conn net.Conn, peerAddr string, peerPort int) {
	c := &client{s: s, peerAddr: peerAddr, peerPort: peerPort}
	_, err := session.Create(session.Options{Kernel: e.Kernel, InlineStates: kernel.States{
		"_start":          func(e *kernel.Event) any { c.start(e, conn); return nil },
		"_stop":           c.stop,
		"client_input":    c.input,
		"client_error":    c.error,
		"client_flushed":  c.flushed,
		"client_high":     c.high,
		"client_low":      c.low,
		"client_timeout":  c.close,
		"client_shutdown": c.close,
		"client_default":  c.defaultReply,
		ReplyEvent:        c.reply,
		ErrorEvent:        c.errorReply,
	}})
	if err != nil {
		_ = conn.Close()
	}
}

func (c *client) start(e *kernel.Event, conn net.Conn) {
	c.id = e.Session.ID()
	rw, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
		Handle: conn,
		// Queries end in CR LF (RFC 1413) or LF alone; the parser drops
		// the CR. One character more than ident.MaxLine leaves room for
		// it.
		Filter:       filter.NewLine(filter.LineOptions{InputLiteral: "\n", OutputLiteral: "\r\n", MaxLength: ident.MaxLine + 1}),
		InputEvent:   "client_input",
		ErrorEvent:   "client_error",
		FlushedEvent: "client_flushed",
		HighMark:     highMark, HighEvent: "client_high",
		LowMark: lowMark, LowEvent: "client_low",
	})
	if err != nil {
		_ = conn.Close()
		return
	}
	c.rw = rw
	c.s.mu.Lock()
	c.s.clients[c.id] = c
	c.s.mu.Unlock()
	c.s.conns.Add(1)
	_ = e.Kernel.Delay("client_timeout", c.s.opts.idleTimeOut)
}

func (c *client) stop(e *kernel.Event) any {
	c.s.mu.Lock()
	_, ok := c.s.clients[c.id]
	delete(c.s.clients, c.id)
	c.s.mu.Unlock()
	if ok {
		c.s.conns.Add(-1)
	}
	return nil
}

func (c *client) input(e *kernel.Event) any {
	line, _ := e.Args[0].(string)
	if c.closing || c.rw == nil || (c.asked && !c.s.opts.Multiple) {
		return nil // without Multiple, one query per connection
	}
	c.asked = true
	if c.s.opts.Multiple {
		_ = e.Kernel.Delay("client_timeout", c.s.opts.idleTimeOut)
	}
	p1, p2, err := ident.ParseRequest(line)
	switch {
	case errors.Is(err, ident.ErrTooLong):
		c.close(e)
		return nil
	case err != nil:
		c.answer(e, ident.FormatError(p1, p2, ident.InvalidPort))
		return nil
	}
	q := &query{p1: p1, p2: p2}
	// The default answer's timer is set before anyone is asked, so an
	// answer given inside identd_request (a Call back, as in the
	// SYNOPSIS) cancels it. The original sets it after, and answered
	// twice.
	q.alarm, _ = e.Kernel.DelaySet("client_default", c.s.opts.replyDelay, q)
	c.pending = append(c.pending, q)
	if len(c.pending) >= maxPending && !c.full {
		c.full = true
		c.rw.PauseInput()
	}
	c.s.toRegistered(e, RequestEvent, c.peerAddr, p1, p2)
	return nil
}

// next takes the oldest unanswered query, or nil.
func (c *client) next(e *kernel.Event) *query {
	if len(c.pending) == 0 || c.rw == nil {
		return nil
	}
	q := c.pending[0]
	c.pending[0] = nil
	c.pending = c.pending[1:]
	_, _ = e.Kernel.AlarmRemove(q.alarm)
	if c.full && len(c.pending) < maxPending/2 {
		c.full = false
		c.resume()
	}
	return q
}

func (c *client) reply(e *kernel.Event) any {
	q := c.next(e)
	if q == nil {
		return nil // answered already, or nothing asked
	}
	opsys, _ := e.Arg(0).(string)
	if opsys == "" {
		opsys = "UNIX"
	}
	userid, _ := e.Arg(1).(string)
	c.answer(e, ident.FormatUserID(q.p1, q.p2, opsys, userid))
	return nil
}

func (c *client) errorReply(e *kernel.Event) any {
	q := c.next(e)
	if q == nil {
		return nil
	}
	token, _ := e.Arg(0).(string)
	c.answer(e, ident.FormatError(q.p1, q.p2, token))
	return nil
}

// defaultReply answers a query nobody answered in time.
func (c *client) defaultReply(e *kernel.Event) any {
	q, _ := e.Arg(0).(*query)
	if q == nil || len(c.pending) == 0 || c.pending[0] != q {
		return nil
	}
	c.next(e)
	switch {
	case c.s.opts.Default != "":
		c.answer(e, ident.FormatUserID(q.p1, q.p2, "UNIX", c.s.opts.Default))
	case c.s.opts.Random:
		c.answer(e, ident.FormatUserID(q.p1, q.p2, "UNIX", randomUserID()))
	default:
		c.answer(e, ident.FormatError(q.p1, q.p2, ident.HiddenUser))
	}
	return nil
}

func randomUserID() string {
	b := make([]byte, 8)
	for i := range b {
		b[i] = 'a' + byte(rand.IntN(26))
	}
	return string(b)
}

// answer writes one reply line. Without Multiple the connection then
// closes, once the line is written.
func (c *client) answer(e *kernel.Event, line string) {
	if c.rw == nil {
		return
	}
	c.rw.Put(line)
	if c.s.opts.Multiple {
		_ = e.Kernel.Delay("client_timeout", c.s.opts.idleTimeOut)
	} else {
		c.closing = true
		c.rw.PauseInput()
	}
}

func (c *client) flushed(e *kernel.Event) any {
	if c.closing || (c.eof && len(c.pending) == 0) {
		c.close(e)
	}
	return nil
}

func (c *client) high(e *kernel.Event) any {
	c.highWater = true
	c.rw.PauseInput()
	return nil
}

func (c *client) low(e *kernel.Event) any {
	c.highWater = false
	c.resume()
	return nil
}

func (c *client) resume() {
	if c.rw != nil && !c.full && !c.highWater && !c.closing {
		c.rw.ResumeInput()
	}
}

// error handles the end of the client's input, a read or write error, or
// a line too long for the filter. A client that half-closes after its
// queries still gets their answers; otherwise the connection is closed,
// as the original drops its wheel.
func (c *client) error(e *kernel.Event) any {
	op, _ := e.Arg(0).(string)
	errnum, _ := e.Arg(1).(int)
	if op == "read" && errnum == 0 && c.rw != nil && (len(c.pending) > 0 || c.closing) {
		c.eof = true
		return nil
	}
	c.close(e)
	return nil
}

// close drops the connection and every timer, which ends the session.
func (c *client) close(e *kernel.Event) any {
	if c.rw != nil {
		_ = c.rw.Close()
		c.rw = nil
	}
	for _, q := range c.pending {
		_, _ = e.Kernel.AlarmRemove(q.alarm)
	}
	c.pending = nil
	e.Kernel.DelayClear("client_timeout")
	return nil
}
