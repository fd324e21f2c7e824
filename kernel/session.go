package kernel

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// Session is a POE session: an actor with its own handlers, heap, and
// place in the parent/child tree. Sessions are made by session.Create (or
// Kernel.CreateSession) and are stopped by the kernel when nothing keeps
// them alive.
type Session struct {
	c      *core
	id     int
	view   Kernel // the session's own view, e.Kernel in its handlers
	parent *Session
	// Children form a list in creation order, so that signal delivery and
	// teardown have one deterministic order where POE's hash order is
	// random; the links make removal O(1) for kernels with a million
	// children.
	firstChild, lastChild *Session
	prevSib, nextSib      *Session
	states                States
	heap                  Heap
	// A one-entry cache of states: the last event name dispatched and
	// its handler. A session mostly gets the same event again (a
	// ping-pong, a wheel's input), and the string compare is cheaper
	// than the map. State clears it.
	lastName    string
	lastHandler Handler
	// The Events handed to its handlers, reused (see Event); evDepth
	// is how many of its handlers are running, one inside the other.
	evc *evCache

	alias   string // its first alias: most sessions have at most one
	markGen uint64 // the sweep generation and position (markIdx) of its newest mark
	// What few sessions use, allocated on first use (see ex and exw).
	extras atomic.Pointer[sessionExtras]

	// The small fields together, so that padding does not grow a
	// million sessions. evTo and evFrom are guarded by c.qmu. In
	// Parallel mode events are counted in pev instead, without qmu: one
	// per queued event to the session and one per event from it; refs
	// then counts only children, aliases, tags, wheels and processes,
	// and the session is collectable when both are zero.
	evTo, evFrom int32
	markIdx      int32
	// Guarded by c.qmu: the reference count POE keeps: 1 for any events
	// to it (evTo counts them), 1 for any events from it (evFrom), 1 per
	// child, alias, extra-reference tag, wheel and child process.
	refs         int32
	pev          atomic.Int32
	gone         atomic.Bool // dead, readable without qmu
	closing      atomic.Bool // stopping or dead: queued events are dropped
	dead         bool        // guarded by c.qmu
	stopping     bool        // guarded by c.qmu
	sharedStates bool        // states belongs to the creator until State changes it
	trace        bool
	warnDflt     bool
	evDepth      uint8

	// What only Parallel mode needs, allocated there: a POE-order session
	// is 128 bytes smaller without it.
	*parSession
}

// sessionExtras holds the parts of a session that most sessions never
// use. A million sessions that each hold one alias and nothing else are
// 100 bytes smaller each without them.
type sessionExtras struct {
	aliases []string       // the aliases after Session.alias; nmu
	extref  map[string]int // smu, as the rest
	handles []io.Closer
	passive []io.Closer // closed at stop, but keep nothing alive
	pids    map[int]struct{}
	sigs    map[string]sigWatch
	actorMu sync.Mutex
	pid     *actor.PID // registered lazily, see PID
}

// noExtras is what ex gives for a session without extras. Nothing writes
// to it: writers use exw.
var noExtras sessionExtras

// ex returns s's extras for reading: empty ones when s has none. The lock
// that guards the field read must be held.
func (s *Session) ex() *sessionExtras {
	if x := s.extras.Load(); x != nil {
		return x
	}
	return &noExtras
}

// exw returns s's extras for writing, allocating them on first use. Fields
// of the extras are guarded by different locks, so two writers may get
// here at once; the first one's allocation wins.
func (s *Session) exw() *sessionExtras {
	if x := s.extras.Load(); x != nil {
		return x
	}
	x := new(sessionExtras)
	if s.extras.CompareAndSwap(nil, x) {
		return x
	}
	return s.extras.Load()
}

// addAlias records name as one of s's aliases.
func (s *Session) addAlias(name string) {
	if s.alias == "" {
		s.alias = name
	} else {
		x := s.exw()
		x.aliases = append(x.aliases, name)
	}
}

// removeAlias forgets name, one of s's aliases.
func (s *Session) removeAlias(name string) {
	x := s.ex()
	if s.alias == name {
		s.alias = ""
		if n := len(x.aliases); n > 0 {
			s.alias = x.aliases[n-1]
			x.aliases = x.aliases[:n-1]
		}
		return
	}
	if i := slices.Index(x.aliases, name); i >= 0 {
		x.aliases = slices.Delete(x.aliases, i, i+1)
	}
}

// aliasList returns a new slice of s's aliases.
func (s *Session) aliasList() []string {
	var list []string
	if s.alias != "" {
		list = append(list, s.alias)
	}
	return append(list, s.ex().aliases...)
}

// parSession is a session's Parallel mode state.
type parSession struct {
	// The call chain running the session's handlers, how deep it has
	// re-entered, and how many chains wait for it.
	owner   atomic.Pointer[chain]
	depth   int
	waiters atomic.Int32
	// The event the session is handling, for ActiveEvent and
	// DetachMyself; written by the chain that owns the session.
	runEvent string
	runType  evType
	// The record of the event the session is handling, for the
	// CALLER_STATE of what it posts and calls: records never change, so
	// any goroutine may read it (see curRec).
	runRec atomic.Pointer[curRec]
	pbox   actor.Mailbox
	runFn  func()                 // runs pbox; set when it is scheduled
	hint   atomic.Pointer[worker] // the worker to queue its next run on
	// The worker running the mailbox: set by that worker before each
	// run and read only during it (posters move hint, not this).
	runner *worker
	// The chain and view of the session's mailbox runs, made once.
	runChain *chain
	runView  *Kernel
}

// ID returns the session's ID: 0 for the kernel's own session, then 1, 2,
// ... in creation order. It may be called from any goroutine.
func (s *Session) ID() int { return s.id }

// String returns "session N".
func (s *Session) String() string {
	if s == nil {
		return "session <nil>"
	}
	return fmt.Sprintf("session %d", s.id)
}

// Kernel returns the kernel as seen from s: the view that handlers of s get
// as e.Kernel.
func (s *Session) Kernel() *Kernel { return &s.view }

// Heap returns the session's heap. Only s's own handlers should touch it.
func (s *Session) Heap() Heap { return s.heap }

// Parent returns the session's parent (the kernel's session for top-level
// sessions). Call it from a handler.
func (s *Session) Parent() *Session { return s.parent }

// Children returns the session's children in creation order. Call it from a
// handler.
func (s *Session) Children() []*Session { return s.appendChildren(nil) }

func (s *Session) appendChildren(list []*Session) []*Session {
	for ch := s.firstChild; ch != nil; ch = ch.nextSib {
		list = append(list, ch)
	}
	return list
}

func (s *Session) addChild(ch *Session) {
	ch.parent = s
	ch.prevSib, ch.nextSib = s.lastChild, nil
	if s.lastChild != nil {
		s.lastChild.nextSib = ch
	} else {
		s.firstChild = ch
	}
	s.lastChild = ch
}

func (s *Session) removeChild(ch *Session) {
	if ch.parent != s {
		return
	}
	if ch.prevSib != nil {
		ch.prevSib.nextSib = ch.nextSib
	} else {
		s.firstChild = ch.nextSib
	}
	if ch.nextSib != nil {
		ch.nextSib.prevSib = ch.prevSib
	} else {
		s.lastChild = ch.prevSib
	}
	ch.prevSib, ch.nextSib = nil, nil
}

// Alive reports whether the session has not been stopped.
func (s *Session) Alive() bool {
	s.c.qmu.Lock()
	defer s.c.qmu.Unlock()
	return !s.dead
}

// Postback is an event bound to a session: calling Post posts the event
// with ARG0 = the creation arguments and ARG1 = Post's arguments. A live
// postback keeps its session alive until Release, as POE's postback does
// until it is destroyed.
type Postback struct {
	s        *Session
	event    string
	ctx      []any
	released sync.Once
}

// Postback returns a postback for event on s. Call it from a handler.
func (s *Session) Postback(event string, ctx ...any) *Postback {
	s.c.extrefInc(s, "anon_event")
	return &Postback{s: s, event: event, ctx: ctx}
}

// Post posts the event to the postback's session; it may be called from any
// goroutine. It returns ErrNoSuchSession once the session has stopped.
func (p *Postback) Post(args ...any) error {
	return p.s.c.enqueue(p.s, p.s.c.senderFor(nil), p.event, etPost, []any{p.ctx, args}, 0, 2)
}

// Release lets the session go once nothing else keeps it alive. Call it
// from a handler of the kernel; later calls do nothing.
func (p *Postback) Release() {
	p.released.Do(func() { p.s.c.extrefDecIfAlive(p.s, "anon_event") })
}

// Callback is a synchronous postback: Call calls the event on its session
// and returns the handler's value.
type Callback struct {
	s        *Session
	event    string
	ctx      []any
	released sync.Once
}

// Callback returns a callback for event on s. Call it from a handler.
func (s *Session) Callback(event string, ctx ...any) *Callback {
	s.c.extrefInc(s, "anon_event")
	return &Callback{s: s, event: event, ctx: ctx}
}

// Call calls the event on the callback's session with ARG0 = the creation
// arguments and ARG1 = Call's arguments, and returns what the handler
// returned. Call it from a handler.
func (cb *Callback) Call(args ...any) any {
	c := cb.s.c
	v, _ := c.call(nil, c.activeSession(), cb.s, cb.event, []any{cb.ctx, args}, 2)
	return v
}

// Release lets the session go once nothing else keeps it alive.
func (cb *Callback) Release() {
	cb.released.Do(func() { cb.s.c.extrefDecIfAlive(cb.s, "anon_event") })
}
