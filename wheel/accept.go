package wheel

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// acceptAhead is how many connections an accept loop may have taken
	// from the listener that the session has not yet been given. Past it
	// the loop waits, and new connections wait in the kernel's listen
	// queue, as they do in POE when the session is busy.
	acceptAhead = 8
	// Temporary accept errors (EMFILE ...) are reported, then the loop
	// waits before trying again, from minBackoff doubling to maxBackoff,
	// instead of spinning as a select loop would.
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// acceptor is the accept loop SocketFactory and ListenAccept share: a
// goroutine accepts connections into a short queue and tells the session,
// whose handler hands each one to the success event.
type acceptor struct {
	o       *owner
	id      int
	ln      net.Listener
	success string
	failure string

	closed atomic.Bool
	done   chan struct{}
	slots  chan struct{} // acceptAhead tokens
	wake   chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	ready  []net.Conn // accepted, not yet given to the session
	paused bool
}

type acceptFailure struct {
	a   *acceptor
	err error
}

func (n *acceptFailure) deliver() {
	if n.a.closed.Load() {
		return
	}
	num, str := Errno(n.err)
	n.a.o.call(n.a.failure, "accept", num, str, n.a.id)
}

func newAcceptor(o *owner, id int, ln net.Listener, success, failure string) *acceptor {
	a := &acceptor{
		o: o, id: id, ln: ln, success: success, failure: failure,
		done:  make(chan struct{}),
		slots: make(chan struct{}, acceptAhead),
		wake:  make(chan struct{}, 1),
	}
	for range acceptAhead {
		a.slots <- struct{}{}
	}
	a.wg.Add(1)
	go a.loop()
	return a
}

func (a *acceptor) loop() {
	defer a.wg.Done()
	backoff := time.Duration(0)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-a.slots:
		case <-a.done:
			return
		}
		for a.isPaused() {
			select {
			case <-a.wake:
			case <-a.done:
				return
			}
		}
		c, err := a.ln.Accept()
		if err != nil {
			a.slots <- struct{}{}
			switch {
			case a.closed.Load():
				return
			case errors.Is(err, os.ErrDeadlineExceeded):
				// PauseAccept interrupted Accept.
				continue
			case errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EAGAIN):
				// POE ignores these: the peer left before accept.
				continue
			case errors.Is(err, net.ErrClosed):
				// Someone else closed the listener: report it once.
				_ = a.o.post(&acceptFailure{a, err})
				return
			}
			if a.o.post(&acceptFailure{a, err}) != nil {
				return
			}
			backoff = min(max(2*backoff, minBackoff), maxBackoff)
			if timer == nil {
				timer = time.NewTimer(backoff)
			} else {
				timer.Reset(backoff)
			}
			select {
			case <-timer.C:
			case <-a.done:
				return
			}
			continue
		}
		backoff = 0
		a.mu.Lock()
		a.ready = append(a.ready, c)
		a.mu.Unlock()
		if a.o.post(a) != nil {
			return
		}
	}
}

func (a *acceptor) isPaused() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.paused
}

// deliver runs in the session: each accepted connection goes to the
// success event, unless the wheel was paused or closed meanwhile.
func (a *acceptor) deliver() {
	for !a.closed.Load() {
		a.mu.Lock()
		if a.paused || len(a.ready) == 0 {
			a.mu.Unlock()
			return
		}
		c := a.ready[0]
		a.ready[0] = nil
		a.ready = a.ready[1:]
		a.mu.Unlock()
		a.slots <- struct{}{}
		addr, port := splitAddr(c.RemoteAddr())
		a.o.call(a.success, c, addr, port, a.id)
	}
}

// pause stops accepting: an Accept under way is interrupted through the
// listener's deadline where it has one; a connection it still returns
// waits for resume.
func (a *acceptor) pause() {
	a.mu.Lock()
	a.paused = true
	a.mu.Unlock()
	if d, ok := a.ln.(interface{ SetDeadline(time.Time) error }); ok {
		_ = d.SetDeadline(time.Unix(1, 0))
	}
}

func (a *acceptor) resume() {
	a.mu.Lock()
	was := a.paused
	a.paused = false
	if d, ok := a.ln.(interface{ SetDeadline(time.Time) error }); ok && was {
		_ = d.SetDeadline(time.Time{})
	}
	a.mu.Unlock()
	if !was {
		return
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
	_ = a.o.post(a)
}

// close stops the loop, closes the listener and the connections the
// session was not given.
func (a *acceptor) close() {
	if !a.closed.CompareAndSwap(false, true) {
		return
	}
	close(a.done)
	_ = a.ln.Close()
	a.wg.Wait()
	a.mu.Lock()
	ready := a.ready
	a.ready = nil
	a.mu.Unlock()
	for _, c := range ready {
		_ = c.Close()
	}
}

// splitAddr gives POE's (address, port) of a socket address: the IP as
// text and the port; a Unix socket's path and 0.
func splitAddr(addr net.Addr) (string, int) {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return ipString(a.IP), a.Port
	case *net.UDPAddr:
		return ipString(a.IP), a.Port
	case *net.UnixAddr:
		return a.Name, 0
	case nil:
		return "", 0
	}
	return addr.String(), 0
}

func ipString(ip net.IP) string {
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.String()
}
