package kernel

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Handler handles one event. What it returns is what Call returns; for
// _start it is ARG2 of the parent's _child("create") event, and for _stop
// ARG2 of _child("lose").
type Handler func(e *Event) any

// States maps event names to handlers.
type States map[string]Handler

// Heap is a session's private storage, $_[HEAP] in POE.
type Heap map[string]any

// Delete removes key from the heap and, if its value is an io.Closer, closes
// it, as dropping the last reference to a wheel in POE's heap destroys it.
func (h Heap) Delete(key string) {
	v, ok := h[key]
	if !ok {
		return
	}
	delete(h, key)
	if c, ok := v.(io.Closer); ok {
		_ = c.Close()
	}
}

// Event is what a handler receives: POE's @_ with named fields.
//
// The Event and its Args slice belong to the kernel and are valid until
// the handler returns: the kernel reuses them for the session's next
// events, so that dispatching an event or making a Call allocates
// nothing. Keep the values, not the Event, as a POE handler keeps
// "my ($kernel, $heap, $arg) = @_[KERNEL, HEAP, ARG0]" and not \@_:
//
//	k, heap, line := e.Kernel, e.Heap, e.Args[0]
//	go func() { k.Post(...) }()   // not e.Kernel inside the closure
//
// e.Kernel, e.Session and e.Heap themselves stay valid for the session's
// life. The CheckEvents option finds handlers that keep an Event.
type Event struct {
	Kernel      *Kernel  // the kernel as seen from this session
	Session     *Session // $_[SESSION]
	Heap        Heap     // $_[HEAP]
	State       string   // $_[STATE]
	Sender      *Session // $_[SENDER]; the kernel's session for kernel events
	Args        []any    // ARG0 ..
	CallerFile  string   // where the event was posted, when callers are recorded
	CallerLine  int
	CallerState string // the state that posted the event
}

// Arg returns e.Args[i], or nil when there are fewer arguments, as reading
// past the end of @_ gives undef in Perl.
func (e *Event) Arg(i int) any {
	if i < 0 || i >= len(e.Args) {
		return nil
	}
	return e.Args[i]
}

// Kernel is POE's $poe_kernel. The value returned by New or Default is the
// root kernel; e.Kernel in a handler is a view of the same kernel bound to
// the session being dispatched. Both act on the same sessions and queue.
//
// Methods that act on "the current session" (Yield, Delay, AliasSet, Sig,
// State, ...) use the bound session on a view and the session being
// dispatched on the root kernel, which in POE-faithful mode is the same
// thing. They may be called from handlers, and, while Run is not running,
// from the goroutine that will call Run. Post, Signal and Stop may also be
// called from any goroutine; a goroutine of your own should use Outside(),
// whose SENDER is the kernel.
type Kernel struct {
	c  *core
	s  *Session // nil on the root kernel
	ch *chain   // in Parallel mode, the call chain of the handler it was given to
}

// Option configures a kernel made by New.
type Option func(*core)

// Parallel makes the kernel run sessions concurrently on protoactor-go's
// mailboxes and dispatcher instead of one handler at a time in POE's order.
func Parallel() Option { return func(c *core) { c.parallel = true } }

// Serial makes the kernel POE-faithful (one handler at a time, POE's
// order) even when the environment asks for Parallel mode; see New.
func Serial() Option { return func(c *core) { c.parallel = false } }

// ModeEnv is the environment variable New reads: "parallel" makes every
// kernel Parallel unless its options say Serial. It lets a whole test
// suite, or a program, run in Parallel mode unchanged; `make test` runs
// the suite both ways.
const ModeEnv = "POE_KERNEL"

// EventCheckEnv is the environment variable that, set to "1", gives every
// kernel New makes the CheckEvents option. `make test` runs its Parallel
// pass this way.
const EventCheckEnv = "POE_EVENT_CHECK"

// CheckEvents makes the kernel check that handlers do not keep their
// *Event (see Event): each handler gets a new Event, emptied when the
// handler returns, so that a closure or goroutine that reads it later
// fails at once with a nil dereference, and the race detector names a
// goroutine that reads it while it is emptied. It costs an allocation per
// event; use it in tests.
func CheckEvents() Option { return func(c *core) { c.freshEvents = true } }

// WithClock replaces the kernel's monotonic clock, for deterministic tests.
// now returns the time elapsed since an arbitrary origin and must never go
// backwards. Timers then wait for now to reach them; use RunOneTimeslice to
// step such a kernel.
func WithClock(now func() time.Duration) Option { return func(c *core) { c.now = now } }

// WithOutput sets where session traces and warnings are written (default
// os.Stderr).
func WithOutput(w io.Writer) Option { return func(c *core) { c.out = w } }

// WithCallers records the file and line that posted each event into
// Event.CallerFile/CallerLine. It costs a stack walk per post; sessions with
// the "trace" option get it regardless.
func WithCallers() Option { return func(c *core) { c.callers = true } }

// core is the state shared by a kernel and its views.
type core struct {
	id       string
	parallel bool
	callers  bool
	out      io.Writer
	now      func() time.Duration
	origin   time.Time // wall time at now() == 0, for Alarm's absolute times

	// qmu guards the queue, the per-session pending-event counts and
	// sleeping. Any goroutine may post; only the loop dispatches.
	qmu      sync.Mutex
	q        queue
	freeEv   []*event
	clock    int64 // cached clock reading that stamps posts
	seq      uint64
	sleeping bool
	wake     chan struct{}
	stopReq  bool
	// The group of the last _garbage_collect entry, which sessions may
	// join while it is the last event queued (seq == gcSeq) in the
	// batch (see queueGC).
	gcOpen *gcGroup
	gcSeq  uint64

	// nmu guards the name tables, which Post reads from any goroutine.
	nmu     sync.RWMutex
	ids     idTable
	aliases aliasTable
	nextID  int

	// smu guards the session tree, signal watchers, extra references and
	// handles. It is held only while they change, never around a handler.
	smu sync.Mutex
	// What lingers (see Linger), and whether Run takes more: guarded by
	// smu.
	lingering []io.Closer
	lingerOK  bool

	// outside counts the Parallel mode posts made by goroutines that are
	// not running a handler of the sender (timers, wheels' readers, the
	// caller of Run); see pendingCount.
	outside pendingShard
	par     parallelState

	// The rest belongs to the goroutine running handlers.
	kses        *Session
	cur         atomic.Pointer[curRec] // the session being dispatched and its event: POE's active session and event
	marked      []*Session             // guarded by qmu
	anyMarked   atomic.Bool            // in Parallel mode, len(marked) > 0; read without qmu
	markGen     uint64
	markSpare   []*Session
	sessions    int // user sessions alive
	extrefs     int // sessions' extra-reference tags, all sessions
	handles     int // wheels and other I/O, all sessions
	sig         signals
	exMu        sync.Mutex
	exception   error
	excepted    atomic.Bool // exception != nil
	running     bool
	freshEvents bool     // EventCheckEnv: no Event is reused
	args        callArgs // of the Calls in progress, in POE order
	// The Events of the _start handlers running in POE order, one per
	// depth of sessions created in _start, up to startDepth: a new
	// session has no cache of Events yet (see evCache).
	startEvs    [4]Event
	startDepth  int
	dispatching int

	actors actorGlue
	root   *Kernel
}

var (
	defaultOnce   sync.Once
	defaultKernel *Kernel
)

// Default returns the process-wide kernel, POE's $poe_kernel. The package
// functions (kernel.Run, kernel.Post, ...) act on it.
func Default() *Kernel {
	defaultOnce.Do(func() { defaultKernel = New() })
	return defaultKernel
}

// New returns a new, isolated kernel with no sessions. It is POE-faithful
// unless opts include Parallel, or the environment variable POE_KERNEL
// (ModeEnv) is "parallel" and opts do not include Serial.
func New(opts ...Option) *Kernel {
	c := &core{
		id:       uuid.NewString(),
		out:      os.Stderr,
		wake:     make(chan struct{}, 1),
		parallel: os.Getenv(ModeEnv) == "parallel",

		freshEvents: os.Getenv(EventCheckEnv) == "1",
	}
	for _, o := range opts {
		o(c)
	}
	if c.now == nil {
		start := time.Now()
		c.now = func() time.Duration { return time.Since(start) }
	}
	c.origin = time.Now().Add(-c.now())
	c.kses = &Session{c: c, id: 0, states: States{}}
	c.kses.view = Kernel{c: c, s: c.kses}
	if c.parallel {
		c.initParallel()
	}
	c.ids.set(0, c.kses)
	c.aliases.ids = &c.ids
	c.nextID = 1
	c.sig.init()
	c.root = &Kernel{c: c}
	return c.root
}

// cur is the session a kernel method acts on.
func (k *Kernel) cur() *Session {
	if k.s != nil {
		return k.s
	}
	return k.c.activeSession()
}

// ID returns the kernel's unique ID, a UUID.
func (k *Kernel) ID() string { return k.c.id }

// Outside returns a view of k for goroutines that are not running one of
// its handlers: its Post and Signal have the kernel's session as SENDER, and
// its Stop asks the loop to stop. It may be called from any goroutine.
func (k *Kernel) Outside() *Kernel { return &k.c.kses.view }

// Session returns the session k is bound to: the dispatched session for a
// view, the kernel's own session (ID 0) for the root kernel outside
// handlers. Call it from a handler.
func (k *Kernel) Session() *Session { return k.cur() }

// ActiveSession returns the session being dispatched, or the kernel's
// session when none is. Call it from a handler. In Parallel mode, where
// sessions run at once, it is the session of the handler k was given to.
func (k *Kernel) ActiveSession() *Session {
	if k.c.parallel && k.s != nil {
		return k.s
	}
	return k.c.activeSession()
}

// ActiveEvent returns the name of the event being dispatched. Call it from a
// handler.
func (k *Kernel) ActiveEvent() string {
	if k.c.parallel {
		if k.s == nil {
			return ""
		}
		return k.s.runEvent
	}
	if r := k.c.cur.Load(); r != nil {
		return r.state
	}
	return ""
}

// starting says whether s is handling its _start: POE's test for "the
// active event is ET_START" in detach_myself.
func (c *core) starting(s *Session) bool {
	if c.parallel {
		return s.runType&etStart != 0
	}
	r := c.cur.Load()
	return r != nil && r.s == s && r.typ&etStart != 0
}

// IDToSession returns the live session with that ID, or nil.
func (k *Kernel) IDToSession(id int) *Session {
	k.c.nmu.RLock()
	s := k.c.ids.get(id)
	k.c.nmu.RUnlock()
	return s
}

// Now returns the kernel clock's wall time, POE's time().
func (k *Kernel) Now() time.Time { return k.c.origin.Add(k.c.now()) }

// SessionCount returns the number of user sessions alive (the kernel's own
// session is not counted).
func (k *Kernel) SessionCount() int { return k.c.sessions }

// EventCount returns the number of events waiting in the queue, POE's
// get_event_count.
func (k *Kernel) EventCount() int {
	k.c.qmu.Lock()
	defer k.c.qmu.Unlock()
	return k.c.q.len()
}
