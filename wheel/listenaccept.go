package wheel

import (
	"fmt"
	"net"
	"sync/atomic"

	"github.com/seed02617006/poe/kernel"
)

// ListenAcceptOptions are POE::Wheel::ListenAccept's parameters.
type ListenAcceptOptions struct {
	// Handle is a listening socket. The wheel owns it from now on:
	// Close closes it.
	Handle net.Listener
	// AcceptEvent gets (conn, peerAddr, peerPort, wheelID) for each
	// accepted connection. Required.
	AcceptEvent string
	// ErrorEvent gets ("accept", errnum, errstr, wheelID).
	ErrorEvent string
}

// validate checks the required options; there are no defaults to fill.
func (o ListenAcceptOptions) validate() error {
	if o.Handle == nil {
		return fmt.Errorf("%w: ListenAccept needs a listener", ErrHandle)
	}
	if o.AcceptEvent == "" {
		return fmt.Errorf("%w: AcceptEvent is required", ErrEvent)
	}
	return nil
}

// ListenAccept is POE::Wheel::ListenAccept: it accepts connections on a
// listener made elsewhere and hands each one to the session.
//
// All methods are for the handlers of the session that made the wheel;
// Close may also be called after the kernel has stopped.
type ListenAccept struct {
	id     int
	o      owner
	acc    *acceptor
	closed atomic.Bool
}

// NewListenAccept makes a ListenAccept wheel owned by the session whose
// handler calls it (k is e.Kernel). It returns an error without Handle or
// AcceptEvent, or outside a handler.
func NewListenAccept(k *kernel.Kernel, opts ListenAcceptOptions) (*ListenAccept, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	own, err := bind(k)
	if err != nil {
		return nil, err
	}
	w := &ListenAccept{id: NewID(), o: own}
	if err := w.o.hold(w); err != nil {
		return nil, err
	}
	w.acc = newAcceptor(&w.o, w.id, opts.Handle, opts.AcceptEvent, opts.ErrorEvent)
	return w, nil
}

// ID returns the wheel's unique ID. Any goroutine may call it.
func (w *ListenAccept) ID() int { return w.id }

// PauseAccept stops accepting connections until ResumeAccept.
func (w *ListenAccept) PauseAccept() {
	if !w.closed.Load() {
		w.acc.pause()
	}
}

// ResumeAccept undoes PauseAccept.
func (w *ListenAccept) ResumeAccept() {
	if !w.closed.Load() {
		w.acc.resume()
	}
}

// Close closes the listener and the connections accepted but not yet
// handed to the session, waits for the wheel's goroutine and lets the
// session go. It is idempotent, and it is what Heap.Delete and the
// session's stop call.
func (w *ListenAccept) Close() error {
	if !w.closed.CompareAndSwap(false, true) {
		return nil
	}
	w.acc.close()
	w.o.release(w)
	return nil
}
