package wheel

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/seed02617006/poe/kernel"
)

// readSize is how much one read takes from a pipe or file: POE's
// Driver::SysRW block size.
const readSize = 64 << 10

// pump is what Run and FollowTail share: the goroutines a wheel owns, and
// the one internal state through which they post messages to the wheel's
// session. Messages are counted while in the queue, so that Close can
// remove the state at once when none is pending, or leave it to swallow
// the stragglers and remove itself after the last one; otherwise a message
// posted just before Close would reach the user's _default.
type pump struct {
	k      *kernel.Kernel // the session's own view, whoever calls Close
	sess   *kernel.Session
	state  string
	handle func(e *kernel.Event, msg any)

	inflight atomic.Int64
	closed   atomic.Bool
	done     chan struct{} // closed by Close: every goroutine returns
	wg       sync.WaitGroup
}

// errNoSession reports a wheel made outside a session's handler.
var errNoSession = fmt.Errorf("wheel: must be created in a session's handler: %w", kernel.ErrNoSuchSession)

// start binds the pump to the session being dispatched on k and registers
// its internal state. Call it from a handler.
func (p *pump) start(k *kernel.Kernel, kind string, id int, handle func(*kernel.Event, any)) error {
	if k == nil {
		return errNoSession
	}
	sess := k.Session()
	if sess == nil || sess.ID() == 0 || !sess.Alive() {
		return errNoSession
	}
	p.k, p.sess, p.handle = sess.Kernel(), sess, handle
	p.state = stateName(kind, id, "io")
	p.done = make(chan struct{})
	if err := p.k.State(p.state, p.dispatch); err != nil {
		return fmt.Errorf("wheel: %w", err)
	}
	return nil
}

// goroutine starts f as one of the pump's goroutines.
func (p *pump) goroutine(f func()) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f()
	}()
}

// post queues msg for the wheel's handler. It returns false when the
// session is gone, and the goroutine should return. Any goroutine may
// call it; it takes no lock of the wheel's.
func (p *pump) post(msg any) bool {
	p.inflight.Add(1)
	if err := p.k.Post(p.sess, p.state, msg); err != nil {
		p.inflight.Add(-1)
		return false
	}
	return true
}

// wait blocks until token has a value or the wheel closes, and reports
// whether a token came.
func (p *pump) wait(token <-chan struct{}) bool {
	select {
	case <-token:
		return true
	case <-p.done:
		return false
	}
}

// dispatch is the internal state's handler.
func (p *pump) dispatch(e *kernel.Event) any {
	left := p.inflight.Add(-1)
	if p.closed.Load() {
		if left == 0 {
			_ = p.k.State(p.state, nil)
		}
		return nil
	}
	if len(e.Args) == 1 {
		p.handle(e, e.Args[0])
	}
	return nil
}

// shutdown stops the pump: it marks it closed, calls unblock (which must
// make every goroutine's blocking call return), waits for the goroutines,
// and removes the internal state unless messages are still queued. It
// reports whether this call did it; later calls do nothing.
func (p *pump) shutdown(unblock func()) bool {
	if p.done == nil || !p.closed.CompareAndSwap(false, true) {
		return false
	}
	close(p.done)
	if unblock != nil {
		unblock()
	}
	p.wg.Wait()
	if p.inflight.Load() == 0 {
		_ = p.k.State(p.state, nil)
	}
	return true
}

// give hands a token to a goroutine waiting on ch, without blocking: ch
// has room for one and holds at most one.
func give(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// readChunks is a reader goroutine's loop: wait for a token, read one
// chunk, post it, and so on, so that at most one chunk is ever waiting
// for the session. The end of the input (io.EOF or an error) is posted
// once, through end, unless the wheel was closed meanwhile. count, if not
// nil, adds up the bytes read.
func (p *pump) readChunks(r io.Reader, token <-chan struct{}, chunk func([]byte) any, end func(error) any, count *atomic.Int64) {
	buf := make([]byte, readSize)
	var pending error
	for {
		if !p.wait(token) {
			return
		}
		if pending != nil {
			p.post(end(pending))
			return
		}
		var n int
		var err error
		for tries := 0; n == 0 && err == nil; tries++ {
			if tries == 100 {
				err = io.ErrNoProgress
				break
			}
			n, err = r.Read(buf)
		}
		select {
		case <-p.done:
			return
		default:
		}
		if n > 0 {
			if count != nil {
				count.Add(int64(n))
			}
			// A copy: a filter given by the user may keep what it gets.
			if !p.post(chunk(append([]byte(nil), buf[:n]...))) {
				return
			}
			if err != nil {
				pending = err
			}
			continue
		}
		p.post(end(err))
		return
	}
}
