package wheel

import (
	"io"
	"sync"

	"github.com/seed02617006/poe/kernel"
)

// ioState is the one internal event through which every I/O wheel of a
// session hears from its goroutines. Its ARG0 is a notice that knows its
// wheel. One shared name, never removed, instead of one state per wheel:
// a notice still queued when its wheel closes finds the handler and is
// dropped by the wheel, where a removed per-wheel state would send it to
// the user's _default (POE has no such stray events: its select handlers
// run at once, ours go through the queue). The leading NUL keeps the name
// apart from every event a user can name.
const ioState = "\x00wheel io"

// notice is what a wheel's goroutine posts to its session. deliver runs
// in the session's handler, where the wheel may call the user's events.
type notice interface {
	deliver()
}

// ioNotice is a notice that says which session's I/O state it belongs
// to, so that output put while it is delivered is flushed when it ends.
type ioNotice interface {
	notice
	ioState() *sessIO
}

// dispatchIO is the handler of ioState. Output that handlers put while a
// notice is delivered is written when the delivery ends, in one write per
// wheel, from the session itself (see ReadWrite.flushInline): as POE
// writes what its handlers put once they return to the select loop.
func dispatchIO(e *kernel.Event) any {
	n, ok := e.Arg(0).(notice)
	if !ok {
		return nil
	}
	in, ok := n.(ioNotice)
	if !ok {
		n.deliver()
		return nil
	}
	st := in.ioState()
	st.depth++
	// Deferred, so that a handler's panic (which the kernel turns into
	// a DIE signal) leaves no output unflushed.
	defer func() {
		st.depth--
		if st.depth == 0 {
			st.flush()
		}
	}()
	n.deliver()
	return nil
}

// sessIO is the I/O state a session's wheels share: whether a notice is
// being delivered, and the ReadWrite wheels with output to flush when it
// ends. Only the session's handlers touch it.
type sessIO struct {
	s     *kernel.Session
	depth int          // notices being delivered (nested by Call)
	dirty []*ReadWrite // wheels put to during the delivery
	busy  bool         // the kernel is behind: writers write (see gotChunk)
}

// sessIOs maps each session with wheels to its sessIO; the entry goes
// when the session stops (the kernel closes the sessIO then).
var sessIOs struct {
	sync.Mutex
	m map[*kernel.Session]*sessIO
}

// sessIOFor returns the sessIO of the session whose handler is running
// (k is its view), making it the first time.
func sessIOFor(k *kernel.Kernel, s *kernel.Session) (*sessIO, error) {
	sessIOs.Lock()
	st := sessIOs.m[s]
	if st != nil {
		sessIOs.Unlock()
		return st, nil
	}
	st = &sessIO{s: s}
	if sessIOs.m == nil {
		sessIOs.m = make(map[*kernel.Session]*sessIO)
	}
	sessIOs.m[s] = st
	sessIOs.Unlock()
	// A released handle keeps nothing alive, and the kernel closes it
	// when the session stops, which forgets the entry.
	if err := k.HandleAdd(st); err != nil {
		_ = st.Close()
		return nil, err
	}
	k.HandleRelease(st)
	return st, nil
}

// Close forgets the session's entry; the kernel calls it when the
// session stops.
func (st *sessIO) Close() error {
	sessIOs.Lock()
	if sessIOs.m[st.s] == st {
		delete(sessIOs.m, st.s)
	}
	sessIOs.Unlock()
	return nil
}

// flush writes the output put during a delivery.
func (st *sessIO) flush() {
	busy := st.busy
	st.busy = false
	for i := 0; i < len(st.dirty); i++ {
		w := st.dirty[i]
		st.dirty[i] = nil
		w.dirty = false
		if busy {
			w.wakeWriter()
		} else {
			w.flushInline()
		}
	}
	st.dirty = st.dirty[:0]
}

// owner is what every wheel keeps of the session that made it.
type owner struct {
	k    *kernel.Kernel  // the session's view of the kernel
	s    *kernel.Session // the session
	io   *sessIO         // the I/O state the session's wheels share
	held bool            // registered with HandleAdd and not yet removed
	idle bool            // released with HandleRelease: closed at stop only
}

// bind ties a new wheel to the session whose handler is running: k may be
// e.Kernel or the root kernel inside a handler. It installs ioState.
func bind(k *kernel.Kernel) (owner, error) {
	if k == nil {
		return owner{}, ErrNoSession
	}
	s := k.Session()
	if s == nil || s.ID() == 0 {
		return owner{}, ErrNoSession
	}
	o := owner{k: s.Kernel(), s: s}
	if err := o.k.State(ioState, dispatchIO); err != nil {
		return owner{}, ErrNoSession
	}
	st, err := sessIOFor(o.k, s)
	if err != nil {
		return owner{}, ErrNoSession
	}
	o.io = st
	return o, nil
}

// hold registers c with the session: it keeps the session alive, and the
// kernel closes it when the session stops.
func (o *owner) hold(c io.Closer) error {
	if err := o.k.HandleAdd(c); err != nil {
		return ErrNoSession
	}
	o.held = true
	return nil
}

// release undoes hold, once. Call it from a handler of the session, or
// from the kernel's teardown (where it finds nothing to remove).
func (o *owner) release(c io.Closer) {
	if o.held || o.idle {
		o.held, o.idle = false, false
		o.k.HandleRemove(c)
	}
}

// rest stops c keeping the session alive, but the kernel still closes it
// when the session stops.
func (o *owner) rest(c io.Closer) {
	if o.held {
		o.held, o.idle = false, true
		o.k.HandleRelease(c)
	}
}

// post sends a notice to the session; any goroutine may call it. It fails
// once the session has stopped, which tells a goroutine to stop too.
func (o *owner) post(n notice) error {
	return o.k.Post(o.s, ioState, n)
}

// call dispatches a user's event synchronously to the session, as POE's
// wheels do with $kernel->call($me, ...). An empty event name is POE's
// undefined event: nothing is sent.
func (o *owner) call(event string, args ...any) {
	if event == "" {
		return
	}
	_, _ = o.k.Call(o.s, event, args...)
}
