package socks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// Flow control and limits of a connection.
const (
	// highMark and lowMark are the wheels' output marks. Once a tunnel is
	// up, each side forwards its input to the other's output and reads
	// at most two reads ahead of what the other has written (doc.go):
	// that, not the marks, bounds what a slow reader makes us hold. The
	// marks pause input only for bytes put: what the client sent after
	// its request, which pauses the client past highMark until the link
	// drains to lowMark.
	highMark = 256 << 10
	lowMark  = 64 << 10
	// maxEarly bounds what a client may send after its request before it
	// is answered (data for the destination); past it, reading pauses.
	maxEarly = 64 << 10
	// lingerTime is how long a rejected client is given to read its reply
	// and close; the server reads and discards meanwhile, so that closing
	// does not reset the connection before the reply is read.
	lingerTime = 2 * time.Second
	// drainPoll is how often a tunnel whose two directions have ended is
	// checked for output still being written.
	drainPoll = 10 * time.Millisecond
)

type clientState uint8

const (
	stRequest  clientState = iota // reading the request
	stIdent                       // asking the client's identd
	stResolve                     // resolving a 4a host name
	stConnect                     // connecting to the destination
	stBind                        // BIND: waiting for the application server
	stRelay                       // relaying
	stRejected                    // answered with a rejection; lingering
	stClosed
)

// client is one client connection and, once established, its link.
type client struct {
	id    string
	seq   uint64
	wheel *wheel.ReadWrite
	peer  netip.AddrPort // the client's address
	sock  netip.AddrPort // our end of the client's connection
	state clientState
	buf   []byte // the request as read so far, then data sent after it
	req   Request
	dst   netip.Addr // the destination: DSTIP, or the 4a name resolved

	ctx    context.Context // cancelled when the client closes
	cancel context.CancelFunc
	est    kernel.AlarmID // establishment limit
	timer  kernel.AlarmID // idle, linger or drain timer
	last   time.Time      // last traffic either way
	seen   int64          // bytes forwarded either way when last looked

	linkID     string
	linkUp     bool // socksd_sock_up or socksd_bind_up was sent
	link       *wheel.ReadWrite
	bindL      *wheel.SocketFactory
	inPaused   bool // client input paused: the link's output is full
	linkPaused bool // link input paused: the client's output is full
	earlyPause bool // client input paused: too much data before the reply
	inEOF      bool // the client has finished sending
	outEOF     bool // the destination has finished sending
	draining   int  // output left when both directions had ended
	lingerEnd  time.Time

	// mu guards dialed and closed between the handlers and the dial
	// goroutine, so that a connection made after the client went is
	// closed, whichever comes first.
	mu     sync.Mutex
	closed bool
	dialed net.Conn
}

// accept is the listener's SuccessEvent: a new client, which the dropper
// and the access list may turn away.
func (s *Server) accept(e *kernel.Event) any {
	conn, ok := e.Arg(0).(net.Conn)
	if !ok {
		return nil
	}
	peerAddr, _ := e.Arg(1).(string)
	peerPort, _ := e.Arg(2).(int)
	if s.shut {
		_ = conn.Close()
		return nil
	}
	peer := addrPort(conn.RemoteAddr())
	if s.opts.Dropper != nil && s.opts.Dropper.RunConn(peer) {
		_ = conn.Close()
		s.send("socksd_dropped", peerAddr, peerPort)
		return nil
	}
	if s.Denied(peerAddr) {
		_ = conn.Close()
		s.send("socksd_denied", peerAddr, peerPort)
		return nil
	}
	w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
		Handle:     conn,
		Filter:     &relayFilter{},
		InputEvent: "_c_input",
		ErrorEvent: "_c_error",
		HighMark:   highMark,
		LowMark:    lowMark,
		LowEvent:   "_c_low",
	})
	if err != nil {
		_ = conn.Close()
		return nil
	}
	s.seq++
	c := &client{
		id:    uuid.NewString(),
		seq:   s.seq,
		wheel: w,
		peer:  peer,
		sock:  addrPort(conn.LocalAddr()),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	s.clients[c.id] = c
	s.byWheel[w.ID()] = c
	c.est, _ = e.Kernel.DelaySet("_est_timeout", s.opts.EstablishTimeOut, c)
	s.send("socksd_connection", c.id, peerAddr, peerPort, c.sock.Addr().String(), int(c.sock.Port()))
	return nil
}

// clientInput is the client wheel's InputEvent.
func (s *Server) clientInput(e *kernel.Event) any {
	c := s.byWheel[e.Arg(1).(int)]
	data, _ := e.Arg(0).([]byte)
	if c == nil {
		return nil
	}
	switch c.state {
	case stRelay:
		// Not reached while the tunnel forwards: relay enters stRelay
		// and calls Forward in the same handler, Forward takes the
		// filter's pending bytes, and from then on the wheel hands its
		// input to the link without an InputEvent. Kept as the plain
		// relay should Forward have failed, so no byte is dropped.
		c.last = s.k.Now()
		if c.link.Put(data) {
			c.wheel.PauseInput()
			c.inPaused = true
		}
	case stRequest:
		// Requests are buffered until complete: TCP may deliver one in
		// pieces (the original parsed each read as a whole request).
		c.buf = append(c.buf, data...)
		req, n, err := ParseRequest(c.buf)
		if errors.Is(err, ErrIncomplete) {
			return nil
		}
		if err != nil {
			s.reject(c, Rejected, "bad request: "+err.Error())
			return nil
		}
		c.req = req
		c.buf = append(c.buf[:0:0], c.buf[n:]...)
		s.checkEarly(c)
		s.requested(c)
	case stRejected, stClosed:
		// Read and dropped while the reply goes out.
	default:
		c.buf = append(c.buf, data...)
		s.checkEarly(c)
	}
	return nil
}

// checkEarly pauses a client that sends too much before it is answered.
func (s *Server) checkEarly(c *client) {
	if len(c.buf) > maxEarly && !c.earlyPause {
		c.earlyPause = true
		c.wheel.PauseInput()
	}
}

// clientError is the client wheel's ErrorEvent: EOF is a half-close to
// pass on; anything else ends the client.
func (s *Server) clientError(e *kernel.Event) any {
	c := s.byWheel[e.Arg(3).(int)]
	if c == nil {
		return nil
	}
	op, _ := e.Arg(0).(string)
	errnum, _ := e.Arg(1).(int)
	errstr, _ := e.Arg(2).(string)
	if op == "read" && errnum == 0 {
		// EOF: the client has sent everything; it may still read.
		c.inEOF = true
		switch c.state {
		case stRelay:
			c.link.ShutdownOutput()
			s.maybeDone(c)
			return nil
		case stIdent, stResolve, stConnect, stBind:
			return nil // passed on when the tunnel is up
		case stRejected:
			s.rejectDrain(c)
			return nil
		case stRequest:
			if len(c.buf) > 0 {
				s.reject(c, Rejected, "bad request: incomplete when the client stopped sending")
				return nil
			}
		}
	}
	if errstr == "" {
		errstr = "client closed the connection"
	}
	s.closeClient(c, errstr)
	return nil
}

// clientLow is the client wheel's LowEvent: the link may be read again.
func (s *Server) clientLow(e *kernel.Event) any {
	c := s.byWheel[e.Arg(0).(int)]
	if c != nil && c.linkPaused && c.link != nil {
		c.linkPaused = false
		c.link.ResumeInput()
	}
	return nil
}

// linkInput is the link wheel's InputEvent.
func (s *Server) linkInput(e *kernel.Event) any {
	c := s.byWheel[e.Arg(1).(int)]
	data, _ := e.Arg(0).([]byte)
	if c == nil || c.state != stRelay {
		return nil
	}
	// As in clientInput: not reached once the link forwards, which relay
	// sets up before any of the link's input is dispatched.
	c.last = s.k.Now()
	if c.wheel.Put(data) {
		c.link.PauseInput()
		c.linkPaused = true
	}
	return nil
}

// linkError is the link wheel's ErrorEvent.
func (s *Server) linkError(e *kernel.Event) any {
	c := s.byWheel[e.Arg(3).(int)]
	if c == nil || c.state != stRelay {
		return nil
	}
	op, _ := e.Arg(0).(string)
	errnum, _ := e.Arg(1).(int)
	errstr, _ := e.Arg(2).(string)
	if op == "read" && errnum == 0 {
		c.outEOF = true
		c.wheel.ShutdownOutput()
		s.maybeDone(c)
		return nil
	}
	s.closeClient(c, errstr)
	return nil
}

// linkLow is the link wheel's LowEvent: the client may be read again.
func (s *Server) linkLow(e *kernel.Event) any {
	c := s.byWheel[e.Arg(0).(int)]
	if c != nil && c.inPaused {
		c.inPaused = false
		c.wheel.ResumeInput()
	}
	return nil
}

// maybeDone closes a tunnel whose two directions have ended once what was
// read has been written.
func (s *Server) maybeDone(c *client) {
	if !c.inEOF || !c.outEOF {
		return
	}
	left := c.wheel.GetDriverOutOctets() + c.link.GetDriverOutOctets()
	if left == 0 {
		s.closeClient(c, "")
		return
	}
	// Output still being written counts as traffic while it moves; a
	// reader that has stopped reading is given TimeOut, as when idle.
	now := s.k.Now()
	if left < c.draining || c.draining == 0 {
		c.last = now
	}
	c.draining = left
	if now.Sub(c.last) >= s.opts.TimeOut {
		s.closeClient(c, "timeout")
		return
	}
	s.setTimer(c, "_drain", drainPoll)
}

func (s *Server) drainCheck(e *kernel.Event) any {
	if c, ok := e.Arg(0).(*client); ok && c.state == stRelay {
		c.timer = 0
		s.maybeDone(c)
	}
	return nil
}

// setTimer replaces the client's one general-purpose timer.
func (s *Server) setTimer(c *client, event string, d time.Duration) {
	if c.timer != 0 {
		_, _ = s.k.AlarmRemove(c.timer)
	}
	c.timer, _ = s.k.DelaySet(event, d, c)
}

// requested goes on with a complete request: ident, then DNS, then the
// command. One step at a time, so no answer can overtake another (the
// original ran ident and the 4a lookup at once, and whichever finished
// second could act on a client the first had rejected).
func (s *Server) requested(c *client) {
	if s.opts.Ident {
		c.state = stIdent
		peer, sock, lookup := c.peer, c.sock, s.opts.IdentLookup
		s.goStep(c, "_ident_done", func(ctx context.Context) []any {
			user, err := lookup(ctx, peer, sock)
			return []any{user, err}
		})
		return
	}
	s.identified(c)
}

// goStep runs one blocking step of the establishment in a goroutine the
// server waits for, and posts its result to the event.
func (s *Server) goStep(c *client, event string, step func(context.Context) []any) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		res := step(c.ctx)
		_ = s.out.Post(s.sess, event, append([]any{c}, res...)...)
	}()
}

func (s *Server) identDone(e *kernel.Event) any {
	c, _ := e.Arg(0).(*client)
	if c == nil || c.state != stIdent {
		return nil
	}
	user, _ := e.Arg(1).(string)
	err, _ := e.Arg(2).(error)
	switch {
	case errors.Is(err, ErrIdentNoUser):
		s.reject(c, IdentMismatch, "ident: "+err.Error())
	case err != nil:
		s.reject(c, NoIdentd, "ident: "+err.Error())
	case user != c.req.UserID:
		s.reject(c, IdentMismatch, fmt.Sprintf("ident: identd says %q, request says %q", user, c.req.UserID))
	default:
		// A matching answer proceeds (the original's check let it drop).
		s.identified(c)
	}
	return nil
}

// identified resolves a 4a host name, or goes on with DSTIP.
func (s *Server) identified(c *client) {
	if c.req.Host == "" {
		c.dst = c.req.IP
		s.resolved(c)
		return
	}
	c.state = stResolve
	host, r := c.req.Host, s.opts.Resolver
	s.goStep(c, "_dns_done", func(ctx context.Context) []any {
		addrs, err := r.LookupHost(ctx, host)
		return []any{addrs, err}
	})
}

func (s *Server) dnsDone(e *kernel.Event) any {
	c, _ := e.Arg(0).(*client)
	if c == nil || c.state != stResolve {
		return nil
	}
	addrs, _ := e.Arg(1).([]string)
	err, _ := e.Arg(2).(error)
	if err != nil {
		s.reject(c, Rejected, "dns: "+err.Error())
		return nil
	}
	ip, ok := pickAddr(addrs)
	if !ok {
		s.reject(c, Rejected, "dns: no address for "+c.req.Host)
		return nil
	}
	c.dst = ip
	s.send("socksd_dns_lookup", c.id, c.req.Host, ip.String())
	s.resolved(c)
	return nil
}

// pickAddr prefers an IPv4 address, which a SOCKS 4 reply can carry.
func pickAddr(addrs []string) (netip.Addr, bool) {
	var other netip.Addr
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			continue
		}
		ip = ip.Unmap()
		if ip.Is4() {
			return ip, true
		}
		if !other.IsValid() {
			other = ip
		}
	}
	return other, other.IsValid()
}

// resolved carries out the command.
func (s *Server) resolved(c *client) {
	if c.req.Command == CmdBind {
		s.bind(c)
		return
	}
	c.state = stConnect
	d := s.opts.Dialer
	target := net.JoinHostPort(c.dst.String(), strconv.Itoa(c.req.Port))
	s.goStep(c, "_dialed", func(ctx context.Context) []any {
		conn, err := d.DialContext(ctx, "tcp", target)
		if err != nil {
			return []any{err}
		}
		c.mu.Lock()
		if c.closed {
			_ = conn.Close()
		} else {
			c.dialed = conn
		}
		c.mu.Unlock()
		return []any{nil}
	})
}

func (s *Server) dialed(e *kernel.Event) any {
	c, _ := e.Arg(0).(*client)
	if c == nil {
		return nil
	}
	c.mu.Lock()
	conn := c.dialed
	c.dialed = nil
	c.mu.Unlock()
	if c.state != stConnect {
		// Rejected meanwhile (the establishment limit): too late.
		if conn != nil {
			_ = conn.Close()
		}
		return nil
	}
	if conn == nil {
		err, _ := e.Arg(1).(error)
		_, errstr := wheel.Errno(err)
		s.reject(c, Rejected, "connect: "+errstr)
		return nil
	}
	c.linkID = uuid.NewString()
	s.reply(c, Granted, c.dst, c.req.Port)
	c.linkUp = true
	s.send("socksd_sock_up", c.id, c.linkID, c.dst.String(), c.req.Port)
	s.relay(c, conn)
	return nil
}

// bind listens for the application server's connection on the address
// the client reached us at, and sends the first reply.
func (s *Server) bind(c *client) {
	c.state = stBind
	f, err := wheel.NewSocketFactory(s.k, wheel.SocketFactoryOptions{
		BindAddress:  c.sock.Addr().String(),
		SuccessEvent: "_bind_accept",
		FailureEvent: "_bind_failed",
	})
	if err != nil {
		s.reject(c, Rejected, "bind: "+err.Error())
		return
	}
	c.bindL = f
	c.linkID = uuid.NewString()
	s.byWheel[f.ID()] = c
	addr, port := f.Getsockname()
	if port == 0 {
		return // the wheel reports why in _bind_failed
	}
	ip, _ := netip.ParseAddr(addr)
	s.reply(c, Granted, ip, port)
	c.linkUp = true
	s.send("socksd_bind_up", c.id, c.linkID, addr, port)
}

func (s *Server) bindFailed(e *kernel.Event) any {
	c := s.byWheel[e.Arg(3).(int)]
	if c == nil || c.state != stBind {
		return nil
	}
	op, _ := e.Arg(0).(string)
	errstr, _ := e.Arg(2).(string)
	s.reject(c, Rejected, "bind: "+op+": "+errstr)
	return nil
}

// bindAccept takes the one connection a BIND waits for. It must come from
// the address the request named.
func (s *Server) bindAccept(e *kernel.Event) any {
	conn, _ := e.Arg(0).(net.Conn)
	c := s.byWheel[e.Arg(3).(int)]
	if conn == nil {
		return nil
	}
	if c == nil || c.state != stBind {
		_ = conn.Close()
		return nil
	}
	delete(s.byWheel, c.bindL.ID())
	_ = c.bindL.Close()
	c.bindL = nil
	from := addrPort(conn.RemoteAddr())
	if from.Addr() != c.dst {
		_ = conn.Close()
		s.reject(c, Rejected, fmt.Sprintf("bind: connection from %s, expected %s", from.Addr(), c.dst))
		return nil
	}
	s.reply(c, Granted, from.Addr(), int(from.Port()))
	s.send("socksd_sock_up", c.id, c.linkID, from.Addr().String(), int(from.Port()))
	s.relay(c, conn)
	return nil
}

// relay starts relaying between the client and conn.
func (s *Server) relay(c *client, conn net.Conn) {
	w, err := wheel.NewReadWrite(s.k, wheel.ReadWriteOptions{
		Handle:     conn,
		Filter:     &relayFilter{},
		InputEvent: "_l_input",
		ErrorEvent: "_l_error",
		HighMark:   highMark,
		LowMark:    lowMark,
		LowEvent:   "_l_low",
	})
	if err != nil {
		_ = conn.Close()
		s.closeClient(c, err.Error())
		return
	}
	c.link = w
	s.byWheel[w.ID()] = c
	c.state = stRelay
	if c.est != 0 {
		_, _ = s.k.AlarmRemove(c.est)
		c.est = 0
	}
	c.last = s.k.Now()
	s.setTimer(c, "_idle", s.opts.TimeOut)
	if len(c.buf) > 0 {
		// Data the client sent after its request goes first (the
		// original dropped it).
		early := c.buf
		c.buf = nil
		if w.Put(early) {
			c.wheel.PauseInput()
			c.inPaused = true
		}
	}
	c.buf = nil
	if c.inEOF {
		w.ShutdownOutput() // the client half-closed before the reply
	}
	// From here each side's bytes go straight to the other's output,
	// without an event per chunk; EOF and errors still come as events.
	_ = c.wheel.Forward(w)
	_ = w.Forward(c.wheel)
	if c.earlyPause {
		c.earlyPause = false
		if !c.inPaused {
			c.wheel.ResumeInput()
		}
	}
}

// reply sends a reply to the client.
func (s *Server) reply(c *client, code int, ip netip.Addr, port int) {
	c.wheel.Put(AppendReply(make([]byte, 0, ReplyLen), Reply{Code: code, IP: ip, Port: port}))
}

// reject answers the client with code, reports it, and closes the client
// once it has read the answer.
func (s *Server) reject(c *client, code int, reason string) {
	ip, port := c.dst, c.req.Port
	if !ip.IsValid() {
		ip = c.req.IP
	}
	s.reply(c, code, ip, port)
	s.send("socksd_rejected", c.id, code, reason)
	s.unlink(c, reason)
	c.cancel()
	if c.est != 0 {
		_, _ = s.k.AlarmRemove(c.est)
		c.est = 0
	}
	c.state = stRejected
	c.buf = nil
	c.wheel.ShutdownOutput()
	if c.earlyPause {
		c.earlyPause = false
		c.wheel.ResumeInput()
	}
	c.lingerEnd = s.k.Now().Add(lingerTime)
	if c.inEOF {
		s.rejectDrain(c)
		return
	}
	s.setTimer(c, "_linger", lingerTime)
}

// rejectDrain closes a rejected client that has stopped sending once its
// reply is written (closing earlier would lose it), or at the end of its
// linger time.
func (s *Server) rejectDrain(c *client) {
	if c.wheel.GetDriverOutOctets() == 0 || !s.k.Now().Before(c.lingerEnd) {
		s.closeClient(c, "")
		return
	}
	s.setTimer(c, "_linger", drainPoll)
}

// unlink closes the client's link or BIND listener, if any, reporting
// socksd_sock_down for it.
func (s *Server) unlink(c *client, why string) {
	if c.link != nil {
		delete(s.byWheel, c.link.ID())
		_ = c.link.Close()
		c.link = nil
	}
	if c.bindL != nil {
		delete(s.byWheel, c.bindL.ID())
		_ = c.bindL.Close()
		c.bindL = nil
	}
	if c.linkUp {
		c.linkUp = false
		s.send("socksd_sock_down", c.id, c.linkID, why)
	}
}

// closeClient closes the client and its link and reports them.
func (s *Server) closeClient(c *client, why string) {
	if c.state == stClosed {
		return
	}
	s.unlink(c, why)
	s.dropClient(c)
	s.send("socksd_disconnected", c.id)
}

// dropClient releases everything the client holds, without events.
func (s *Server) dropClient(c *client) {
	c.state = stClosed
	c.cancel()
	c.mu.Lock()
	c.closed = true
	dialed := c.dialed
	c.dialed = nil
	c.mu.Unlock()
	if dialed != nil {
		_ = dialed.Close()
	}
	for _, id := range []kernel.AlarmID{c.est, c.timer} {
		if id != 0 {
			_, _ = s.k.AlarmRemove(id)
		}
	}
	c.est, c.timer = 0, 0
	if c.link != nil {
		delete(s.byWheel, c.link.ID())
		_ = c.link.Close()
		c.link = nil
	}
	if c.bindL != nil {
		delete(s.byWheel, c.bindL.ID())
		_ = c.bindL.Close()
		c.bindL = nil
	}
	delete(s.byWheel, c.wheel.ID())
	_ = c.wheel.Close()
	delete(s.clients, c.id)
}

// establishTimeout rejects a client not established in time.
func (s *Server) establishTimeout(e *kernel.Event) any {
	c, _ := e.Arg(0).(*client)
	if c == nil || c.state >= stRelay {
		return nil
	}
	c.est = 0
	s.reject(c, Rejected, fmt.Sprintf("timeout: not established within %v", s.opts.EstablishTimeOut))
	return nil
}

// idle closes a tunnel with no traffic either way for TimeOut. Forwarded
// traffic makes no event, so it is sampled: at least every quarter of
// TimeOut, and a tunnel closes between TimeOut and 1.25 TimeOut after
// its last byte.
func (s *Server) idle(e *kernel.Event) any {
	c, _ := e.Arg(0).(*client)
	if c == nil || c.state != stRelay {
		return nil
	}
	c.timer = 0
	now := s.k.Now()
	if n := c.wheel.ForwardedOctets() + c.link.ForwardedOctets(); n != c.seen {
		c.seen = n
		c.last = now
	}
	if left := s.opts.TimeOut - now.Sub(c.last); left > 0 {
		s.setTimer(c, "_idle", min(left, s.opts.TimeOut/4))
		return nil
	}
	s.closeClient(c, "timeout")
	return nil
}

// linger closes a rejected client that did not close after its reply,
// or checks again whether the reply to one that did is written.
func (s *Server) linger(e *kernel.Event) any {
	if c, ok := e.Arg(0).(*client); ok && c.state == stRejected {
		c.timer = 0
		if c.inEOF {
			s.rejectDrain(c)
			return nil
		}
		s.closeClient(c, "")
	}
	return nil
}
