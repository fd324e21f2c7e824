package wheel

import (
	"io"

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

// dispatchIO is the handler of ioState.
func dispatchIO(e *kernel.Event) any {
	if n, ok := e.Arg(0).(notice); ok {
		n.deliver()
	}
	return nil
}

// owner is what every wheel keeps of the session that made it.
type owner struct {
	k    *kernel.Kernel  // the session's view of the kernel
	s    *kernel.Session // the session
	held bool            // registered with HandleAdd and not yet removed
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
	if o.held {
		o.held = false
		o.k.HandleRemove(c)
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
