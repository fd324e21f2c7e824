package kernel

import (
	"io"
	"maps"
	"slices"
)

// SessionSpec is what CreateSession needs; package session builds it from
// session.Options.
type SessionSpec struct {
	States  States // not copied: do not change it after CreateSession
	Heap    Heap   // nil: a new empty heap
	Args    []any  // ARG0.. of _start
	Trace   bool   // print each event the session handles
	Default bool   // warn about events with neither a handler nor _default
}

// CreateSession creates a session as a child of the current session (of
// the kernel, outside handlers) and runs its _start at once with the
// creator as SENDER; then the parent gets _child("create", s, <_start's
// return>). Call it from a handler, or from the goroutine that owns the
// kernel while Run is not running.
func (k *Kernel) CreateSession(spec SessionSpec) (*Session, error) {
	c := k.c
	parent := k.cur()
	if parent.dead {
		return nil, ErrNoSuchSession
	}
	s := c.newSession(parent, spec)
	if !c.parallel {
		// Sessions that _start creates with no kernel given join this
		// one, also before Run (kernel.Current).
		prev := running.Swap(c.root)
		defer running.Store(prev)
	}
	startDepth := c.startDepth
	ret := c.dispatch(k.chain(), s, parent, "_start", etStart, spec.Args, nil, "")
	for c.startDepth > startDepth {
		// A panic in _start skipped the end of invokeState.
		c.startDepth--
		c.startEvs[c.startDepth] = Event{}
	}
	if s.dead {
		return s, nil
	}
	if s.parent != c.kses { // the kernel ignores _child
		c.dispatch(k.chain(), s.parent, c.kses, "_child", etChild, []any{"create", s, ret}, nil, "")
	}
	if s.dead {
		return s, nil
	}
	// POE queues a no-op _garbage_collect event: a session that does
	// nothing in _start is swept when the batch that dispatches it ends.
	if c.parallel {
		_, _ = c.push(s, s, "_garbage_collect", etGC, nil, 0, nil, "")
	} else {
		c.queueGC(s)
	}
	return s, nil
}

// gcGroup is the sessions of one _garbage_collect entry of the queue.
type gcGroup struct{ sessions []*Session }

// queueGC queues s's _garbage_collect event in POE order. Sessions created
// one after the other, with nothing queued between them and within one
// batch, share one queue entry: their events would be dispatched one after
// the other, doing nothing but dropping the count each holds, so one entry
// that drops them in the same order is the same. Creating a million
// sessions then queues a list of a million pointers, not a million events.
// The entry is an event to the kernel's session that holds its group.
func (c *core) queueGC(s *Session) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if s.dead {
		return
	}
	if g := c.gcOpen; g != nil && c.gcSeq == c.seq {
		g.sessions = append(g.sessions, s)
	} else {
		g = &gcGroup{sessions: []*Session{s}}
		c.gcSeq = c.queueLocked(c.kses, c.kses, "_garbage_collect", etGC, []any{g}, 0, nil, "")
		c.gcOpen = g
	}
	holdTo(s)
}

func (c *core) newSession(parent *Session, spec SessionSpec) *Session {
	s := &Session{c: c, parent: parent, trace: spec.Trace, warnDflt: spec.Default}
	s.view = Kernel{c: c, s: s}
	// The creator's map is shared until State changes it: copying a
	// map per session would cost more than the rest of creating one.
	s.states = spec.States
	s.sharedStates = true
	s.heap = spec.Heap
	if s.heap == nil {
		s.heap = Heap{}
	}
	c.nmu.Lock()
	s.id = c.nextID
	c.nextID++
	c.ids.set(s.id, s)
	c.nmu.Unlock()
	c.smu.Lock()
	parent.addChild(s)
	c.smu.Unlock()
	c.refInc(parent)
	if c.parallel {
		c.newMailbox(s)
	}
	// POE marks a new session at once: if _start leaves it nothing, the
	// sweep takes it. In Parallel mode another worker may sweep while
	// _start runs, so there the _garbage_collect event queued after
	// _start marks it, when its count drops.
	c.qmu.Lock()
	c.sessions++
	if !c.parallel {
		c.markLocked(s)
	}
	c.qmu.Unlock()
	return s
}

// State adds, replaces or (with a nil handler) removes the current
// session's handler for event, as POE's state(). Call it from a handler.
// Events whose names begin with a NUL byte are internal (wheels use them):
// once their handler is removed, queued ones are dropped instead of going
// to _default.
func (k *Kernel) State(event string, h Handler) error {
	s := k.cur()
	if s == k.c.kses || s.dead {
		return ErrNoSuchSession
	}
	if event == "" {
		return ErrInvalid
	}
	if s.sharedStates {
		s.states = maps.Clone(s.states)
		if s.states == nil {
			s.states = States{}
		}
		s.sharedStates = false
	}
	if h == nil {
		delete(s.states, event)
	} else {
		s.states[event] = h
	}
	s.lastName, s.lastHandler = "", nil
	return nil
}

// DetachChild makes child, a child of the current session, a child of the
// kernel: the current session gets _child("lose", child, nil) and the
// child _parent(current, kernel). It returns ErrNotPermitted when child is
// not the current session's child.
func (k *Kernel) DetachChild(child *Session) error {
	c := k.c
	me := k.cur()
	if child == nil || child.dead {
		return ErrNoSuchSession
	}
	if me == c.kses || child.parent != me {
		return ErrNotPermitted
	}
	c.dispatch(k.chain(), me, c.kses, "_child", etChild, []any{"lose", child, nil}, nil, "")
	c.dispatch(k.chain(), child, c.kses, "_parent", etParent, []any{me, c.kses}, nil, "")
	c.moveChild(child, c.kses)
	return nil
}

// DetachMyself makes the current session a child of the kernel. Its parent
// gets _child("lose", s, nil) unless this happens during _start, and the
// session gets _parent(old, kernel). It returns ErrNotPermitted when the
// session is already the kernel's child.
func (k *Kernel) DetachMyself() error {
	c := k.c
	me := k.cur()
	if me == c.kses || me.dead {
		return ErrNoSuchSession
	}
	old := me.parent
	if old == c.kses {
		return ErrNotPermitted
	}
	if !c.starting(me) {
		c.dispatch(k.chain(), old, c.kses, "_child", etChild, []any{"lose", me, nil}, nil, "")
	}
	c.dispatch(k.chain(), me, c.kses, "_parent", etParent, []any{old, c.kses}, nil, "")
	c.moveChild(me, c.kses)
	return nil
}

func (c *core) moveChild(s, to *Session) {
	c.smu.Lock()
	old := s.parent
	old.removeChild(s)
	to.addChild(s)
	c.smu.Unlock()
	c.refDec(old)
	c.refInc(to)
}

// RefcountIncrement adds one to the session's extra reference named tag
// and returns the tag's new count. Extra references keep a session alive.
func (k *Kernel) RefcountIncrement(id int, tag string) (int, error) {
	s := k.IDToSession(id)
	if s == nil || s == k.c.kses {
		return 0, ErrNoSuchSession
	}
	return k.c.extrefInc(s, tag), nil
}

// RefcountDecrement takes one from the session's extra reference named tag
// and returns the tag's new count; at zero the tag is gone.
func (k *Kernel) RefcountDecrement(id int, tag string) (int, error) {
	s := k.IDToSession(id)
	if s == nil || s == k.c.kses {
		return 0, ErrNoSuchSession
	}
	k.c.smu.Lock()
	n := s.ex().extref[tag]
	k.c.smu.Unlock()
	if n <= 0 {
		return 0, ErrInvalid
	}
	return k.c.extrefDec(s, tag), nil
}

func (c *core) extrefInc(s *Session, tag string) int {
	c.smu.Lock()
	defer c.smu.Unlock()
	x := s.exw()
	if x.extref == nil {
		x.extref = make(map[string]int)
	}
	n := x.extref[tag] + 1
	x.extref[tag] = n
	if n == 1 {
		c.extrefs++
		c.refInc(s)
	}
	return n
}

func (c *core) extrefDec(s *Session, tag string) int {
	c.smu.Lock()
	defer c.smu.Unlock()
	x := s.ex()
	n := x.extref[tag] - 1
	if n > 0 {
		x.extref[tag] = n
		return n
	}
	delete(x.extref, tag)
	c.extrefs--
	c.refDec(s)
	return 0
}

func (c *core) extrefDecIfAlive(s *Session, tag string) {
	c.smu.Lock()
	live := !s.gone.Load() && s.ex().extref[tag] > 0
	c.smu.Unlock()
	if live {
		c.extrefDec(s, tag)
	}
}

// HandleAdd registers an I/O resource (a wheel) with the current session:
// it keeps the session alive, and the kernel closes it when the session
// stops. Wheels call it from their constructors, in a handler.
func (k *Kernel) HandleAdd(h io.Closer) error {
	s := k.cur()
	if s == k.c.kses || s.dead {
		return ErrNoSuchSession
	}
	k.c.smu.Lock()
	x := s.exw()
	x.handles = append(x.handles, h)
	k.c.handles++
	k.c.smu.Unlock()
	k.c.refInc(s)
	return nil
}

// HandleRemove forgets a resource added with HandleAdd, without closing
// it. Wheels call it from Close.
func (k *Kernel) HandleRemove(h io.Closer) {
	s := k.cur()
	k.c.smu.Lock()
	x := s.ex()
	for i, o := range x.handles {
		if o == h {
			x.handles = append(x.handles[:i], x.handles[i+1:]...)
			k.c.handles--
			k.c.smu.Unlock()
			k.c.refDec(s)
			return
		}
	}
	for i, o := range x.passive {
		if o == h {
			x.passive = append(x.passive[:i], x.passive[i+1:]...)
			break
		}
	}
	k.c.smu.Unlock()
}

// Linger hands the kernel something no session holds any more but which
// must end before Run returns: a child process that wheel.Run's Close has
// signalled and that has not exited yet. Once every session has stopped,
// Run closes whatever still lingers and waits for those Close calls. It
// returns false, taking nothing, when Run is not running: the caller must
// then end h itself. Any goroutine may call it.
func (k *Kernel) Linger(h io.Closer) bool {
	c := k.c
	c.smu.Lock()
	defer c.smu.Unlock()
	if !c.lingerOK {
		return false
	}
	c.lingering = append(c.lingering, h)
	return true
}

// Unlinger forgets h, given to Linger, once it has ended by itself; h is
// found with ==, so its type must be comparable. Any goroutine may call
// it.
func (k *Kernel) Unlinger(h io.Closer) {
	c := k.c
	c.smu.Lock()
	if i := slices.Index(c.lingering, h); i >= 0 {
		c.lingering = slices.Delete(c.lingering, i, i+1)
	}
	c.smu.Unlock()
}

// lingerOpen lets Linger take resources while Run runs.
func (c *core) lingerOpen() {
	c.smu.Lock()
	c.lingerOK = true
	c.smu.Unlock()
}

// endLingering closes what lingers, once every session has stopped, and
// takes no more.
func (c *core) endLingering() {
	c.smu.Lock()
	l := c.lingering
	c.lingering, c.lingerOK = nil, false
	c.smu.Unlock()
	for _, h := range l {
		_ = h.Close()
	}
}

// HandleRelease makes a resource added with HandleAdd stop keeping the
// session alive, while the kernel still closes it when the session stops:
// a wheel whose input and output have both ended, which in POE holds no
// select but dies with the session's heap.
func (k *Kernel) HandleRelease(h io.Closer) {
	s := k.cur()
	k.c.smu.Lock()
	x := s.ex()
	for i, o := range x.handles {
		if o == h {
			x.handles = append(x.handles[:i], x.handles[i+1:]...)
			x.passive = append(x.passive, h)
			k.c.handles--
			k.c.smu.Unlock()
			k.c.refDec(s)
			return
		}
	}
	k.c.smu.Unlock()
}
