package kernel

import (
	"fmt"
	"slices"
	"sync"
	"unsafe"
)

// resolve finds a session by *Session, ID (int) or alias (string). A
// *Session, which a loop of Calls passes, is resolved inline.
func (c *core) resolve(dest any) *Session {
	if d, _ := dest.(*Session); d != nil && d.c == c {
		return d
	}
	return c.resolveOther(dest)
}

// resolveOther is resolve for an ID, an alias or a kernel, and for a nil
// *Session or another kernel's, which are none.
func (c *core) resolveOther(dest any) *Session {
	switch d := dest.(type) {
	case string:
		c.nmu.RLock()
		s := c.aliases.get(d)
		c.nmu.RUnlock()
		return s
	case int:
		c.nmu.RLock()
		s := c.ids.get(d)
		c.nmu.RUnlock()
		return s
	case *Kernel:
		// POE resolves the kernel object, $_[KERNEL] included, to the
		// kernel itself.
		if d != nil && d.c == c {
			return c.kses
		}
	}
	return nil
}

// activeSession is the session whose handler is running, or the kernel's
// session outside handlers.
func (c *core) activeSession() *Session {
	if r := c.cur.Load(); r != nil {
		return r.s
	}
	return c.kses
}

// senderFor is the SENDER of an event posted through kernel view k (nil
// for the root kernel).
func (c *core) senderFor(s *Session) *Session {
	if s != nil {
		return s
	}
	return c.activeSession()
}

// enqueue posts an event due now. skip is the number of frames above
// enqueue to the user's call, for recording the caller.
func (c *core) enqueue(dest, src *Session, name string, typ evType, args []any, due int64, skip int) error {
	var at *site
	if c.callers || dest.trace {
		at = callSite(skip + 1)
	}
	from := c.callerState(src)
	_, err := c.push(dest, src, name, typ, args, due, at, from)
	return err
}

// push queues an event and returns its sequence number (an AlarmID). A
// post is stamped with the kernel's cached clock, which the loop advances
// at each batch and whenever a timer is set; so a post made after a
// Delay(ev, 0) sorts after that timer, as in POE, without a clock read per
// post. For a timer, due is its due time and also advances the cache when
// it is the current time.
func (c *core) push(dest, src *Session, name string, typ evType, args []any, due int64, at *site, from string) (uint64, error) {
	if c.parallel && typ&etAlarm == 0 {
		return 0, c.pushParallel(dest, src, name, typ, args, at, from)
	}
	c.qmu.Lock()
	if dest.dead {
		c.qmu.Unlock()
		return 0, ErrNoSuchSession
	}
	if src.dead {
		// Events from a stopped session are discarded, as POE clears
		// them when it frees the session.
		c.qmu.Unlock()
		return 0, nil
	}
	seq := c.queueLocked(dest, src, name, typ, args, due, at, from)
	c.qmu.Unlock()
	return seq, nil
}

// queueLocked is push once dest and src are known to be alive; qmu must
// be held.
func (c *core) queueLocked(dest, src *Session, name string, typ evType, args []any, due int64, at *site, from string) uint64 {
	var e *event
	if c.parallel {
		e = eventPool.Get().(*event)
	} else if n := len(c.freeEv); n > 0 {
		e = c.freeEv[n-1]
		c.freeEv = c.freeEv[:n-1]
	} else {
		e = new(event)
	}
	*e = event{dest: dest, src: src, name: name, typ: typ, at: at, from: from}
	e.setArgs(args)
	c.seq++
	e.seq = c.seq
	if typ&etAlarm != 0 {
		e.due = due
		c.q.pushTimer(e)
	} else {
		e.due = c.clock
		c.q.pushFIFO(e)
	}
	if c.parallel {
		countParallel(e)
	} else {
		holdTo(dest)
		if src != dest {
			if src.evFrom == 0 {
				src.refs++
			}
			src.evFrom++
		}
	}
	if c.sleeping {
		c.sleeping = false
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return e.seq
}

// holdTo counts an event queued to s, which holds s (POE order); qmu must
// be held. dropTo undoes it.
func holdTo(s *Session) {
	if s.evTo == 0 {
		s.refs++
	}
	s.evTo++
}

func (c *core) dropTo(s *Session) {
	s.evTo--
	if s.evTo == 0 {
		c.refDecLocked(s)
	}
}

// pushParallel hands a post to dest's mailbox. It takes no kernel-wide
// lock: the session's counts are atomic, and the mailbox keeps the order
// of one sender's events. A post to a session that has begun to stop is
// accepted and dropped when it comes up, as in pdispatch.
func (c *core) pushParallel(dest, src *Session, name string, typ evType, args []any, at *site, from string) error {
	if dest.gone.Load() {
		return ErrNoSuchSession
	}
	if src.gone.Load() {
		return nil
	}
	e := eventPool.Get().(*event)
	*e = event{dest: dest, src: src, name: name, typ: typ, at: at, from: from}
	e.setArgs(args)
	countParallel(e)
	// A handler of src running on worker w counts the post there (see
	// pendingCount) and has dest run there too, on the same core; other
	// goroutines count theirs in c.outside.
	if w := src.hint.Load(); w != nil && src.owner.Load() != nil {
		w.counts.posted.Add(1)
		if dest.hint.Load() != w {
			dest.hint.Store(w)
		}
	} else {
		c.outside.posted.Add(1)
	}
	dest.pbox.PostUserMessage(e)
	return nil
}

// countParallel counts a Parallel mode event on its sessions.
func countParallel(e *event) {
	e.dest.pev.Add(1)
	if e.src != e.dest {
		e.src.pev.Add(1)
	}
}

// unrefParallel drops the counts a Parallel mode event held. A session
// left with no events is marked for the sweep if nothing else holds it;
// locked says whether qmu is held. refDecLocked checks pev under qmu after
// its own decrement, so one of the two always sees both counts at zero.
func (c *core) unrefParallel(e *event, locked bool) {
	if e.dest.pev.Add(-1) == 0 {
		c.markIfFree(e.dest, locked)
	}
	if e.src != e.dest && e.src.pev.Add(-1) == 0 {
		c.markIfFree(e.src, locked)
	}
}

func (c *core) markIfFree(s *Session, locked bool) {
	if !locked {
		c.qmu.Lock()
		defer c.qmu.Unlock()
	}
	if s.refs < 1 {
		c.markLocked(s)
	}
}

// unrefEventLocked drops the references a queued event held; qmu must be
// held.
func (c *core) unrefEventLocked(e *event) {
	if c.parallel {
		c.unrefParallel(e, true)
		return
	}
	if e.typ&etGC != 0 {
		// Each session of the group was held as by its own event
		// (see queueGC).
		for _, s := range e.args[0].(*gcGroup).sessions {
			c.dropTo(s)
		}
	}
	c.dropTo(e.dest)
	if e.src != e.dest {
		e.src.evFrom--
		if e.src.evFrom == 0 {
			c.refDecLocked(e.src)
		}
	}
}

// eventPool recycles Parallel mode's events: its workers free them on
// every core, where the loop's free list would need the queue lock.
var eventPool = sync.Pool{New: func() any { return new(event) }}

// recycle returns a dispatched event to the free list; qmu must be held.
func (c *core) recycle(e *event) {
	if len(c.freeEv) < 1024 && !c.parallel {
		*e = event{}
		c.freeEv = append(c.freeEv, e)
	}
}

// post is Post for a sender.
func (c *core) post(src *Session, dest any, name string, args []any) error {
	if name == "" {
		return ErrInvalid
	}
	s := c.resolve(dest)
	if s == nil {
		return ErrNoSuchSession
	}
	return c.enqueue(s, src, name, etPost, args, 0, 2)
}

// Post enqueues event for dest (a *Session, a session ID, or an alias) with
// args as ARG0... It returns ErrNoSuchSession when dest does not exist and
// ErrInvalid for an empty event name. It may be called from any goroutine.
func (k *Kernel) Post(dest any, event string, args ...any) error {
	return k.c.post(k.c.senderFor(k.s), dest, event, args)
}

// Yield posts event to the current session. Call it from a handler.
func (k *Kernel) Yield(event string, args ...any) {
	s := k.cur()
	if event == "" || s == k.c.kses {
		return
	}
	_ = k.c.enqueue(s, s, event, etPost, args, 0, 1)
}

// Call dispatches event to dest at once and returns what its handler
// returned. A panic in the handler becomes a DIE signal to dest, except in a
// Call to the caller's own session, where it propagates to the caller as in
// POE. Call it from a handler, or before Run from the goroutine that will
// call Run.
func (k *Kernel) Call(dest any, event string, args ...any) (any, error) {
	if event == "" {
		return nil, ErrInvalid
	}
	c := k.c
	s := c.resolve(dest)
	if s == nil {
		return nil, ErrNoSuchSession
	}
	if c.parallel {
		if k.ch != nil {
			// A handler's view: the Call runs on the handler's chain.
			return c.parallelCallArgs(k.ch, c.senderFor(k.s), s, event, args)
		}
		return c.call(k.chain(), c.senderFor(k.s), s, event, slices.Clone(args), 1)
	}
	src := c.senderFor(k.s)
	if h := s.lastHandler; h != nil && sameString(event, s.lastName) && s.evc != nil && s.evDepth < evSlots &&
		s != src && s != c.kses && !s.dead && !s.trace && !c.callers && !c.freshEvents {
		return c.fastCall(h, src, s, event, args)
	}
	// What a panic leaves on the stack of arguments, dispatch drops.
	own, base := c.args.push(args)
	ret, err := c.call(nil, src, s, event, own, 1)
	c.args.popTo(base)
	return ret, err
}

// fastCall is Call's common case in POE order, in one frame: a Call to
// another session's handler that it ran last, at a depth with a cached
// Event, with nothing traced or recorded. It does what Call, call,
// dispatch and invokeState do on that path, and must stay in step with
// them.
func (c *core) fastCall(h Handler, src, dest *Session, name string, args []any) (any, error) {
	prevRec := c.cur.Load()
	var from string
	if prevRec != nil && prevRec.s == src {
		from = prevRec.state // callerState
	}
	own, base := c.args.push(args)
	c.dispatching++
	d := dest.evDepth
	sl := &dest.evc.slot[d]
	rec := sl.record(dest, name, etCall)
	ev := &sl.ev
	if ev.Session == nil {
		ev.Session, ev.Heap = dest, dest.heap
	}
	if ev.Kernel != &dest.view {
		ev.Kernel = &dest.view
	}
	ev.State, ev.Sender, ev.Args, ev.CallerState = name, src, own, from
	if ev.CallerLine != 0 {
		ev.CallerFile, ev.CallerLine = "", 0
	}
	c.cur.Store(rec)
	dest.evDepth = d + 1
	ret := c.trapCall(h, ev, d, dest, src, name, from)
	dest.evDepth = d
	ev.Args, ev.Sender = nil, nil
	c.args.popTo(base)
	c.dispatching--
	c.cur.Store(prevRec)
	if src == c.kses && c.dispatching == 0 {
		if err := c.takeException(); err != nil {
			return ret, err
		}
	}
	return ret, nil
}

// trapCall runs fastCall's handler, turning a panic into DIE as
// invokeTrapped does.
func (c *core) trapCall(h Handler, ev *Event, depth uint8, dest, src *Session, name, from string) (ret any) {
	// recover is a call into the runtime: only a handler that did not
	// return needs it.
	returned := false
	defer func() {
		if returned {
			return
		}
		if r := recover(); r != nil {
			ret = nil
			c.trapped(r, depth, dest, src, name, etCall, from)
		}
	}()
	ret = h(ev)
	returned = true
	return ret
}

// sameString is a == b, with the comparison of the bytes left out when
// both are the same string, as an event name given as a literal is at
// each Call: that is a call to memequal.
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// parallelCallArgs is Call in Parallel mode from a handler running on
// ch: the arguments go on the chain's stack, which only the chain's
// goroutine uses.
func (c *core) parallelCallArgs(ch *chain, src, dest *Session, name string, args []any) (any, error) {
	own, base := ch.args.push(args)
	ret, err := c.call(ch, src, dest, name, own, 2)
	ch.args.popTo(base)
	return ret, err
}

// callArgs is a stack of the arguments of the Calls in progress,
// innermost last. A Call copies its arguments onto it, as Perl's @_ is a
// copy, so that the caller's variadic slice stays on the caller's stack
// and a Call allocates nothing once the stack has grown. One goroutine
// uses a stack: the kernel's in POE order, a chain's in Parallel mode.
// Growing moves it; the slices it handed out keep their values, since
// nothing writes to the old array again.
type callArgs struct{ a []any }

// push copies args onto the stack; it returns the copy and the height to
// pop back to. It is small enough to be inlined into Call: growing is an
// append (the compiler extends in place, with no zeroed slice made), not
// a call.
func (s *callArgs) push(args []any) ([]any, int) {
	base := len(s.a)
	if len(args) > cap(s.a)-base {
		s.a = append(s.a[:cap(s.a)], make([]any, max(len(args), 32))...)[:base]
	}
	top := base + len(args)
	s.a = s.a[:top]
	own := s.a[base:top:top]
	// copy of a slice of interfaces is a call to typedslicecopy, which
	// costs more than the one or two stores of a Call.
	for i := range own {
		own[i] = args[i]
	}
	return own, base
}

// height is the number of arguments on the stack.
func (s *callArgs) height() int { return len(s.a) }

// popTo drops the arguments above height n: a Call's own, and whatever
// a panic left above them.
func (s *callArgs) popTo(n int) {
	if len(s.a) == n {
		return // a dispatch with no Call left over: nothing to write
	}
	// An index loop: clear is a call to memclr, which costs more than
	// the one or two stores of a Call.
	for i := n; i < len(s.a); i++ {
		s.a[i] = nil
	}
	s.a = s.a[:n]
}

func (c *core) call(ch *chain, src, dest *Session, name string, args []any, skip int) (any, error) {
	if dest.dead {
		return nil, ErrNoSuchSession
	}
	var at *site
	if c.callers || dest.trace {
		at = callSite(skip + 1)
	}
	from := c.callerState(src)
	if c.parallel {
		return c.parallelCall(ch, src, dest, name, args, at, from)
	}
	var ret any
	if dest == src && dest == c.activeSession() {
		// POE calls its own session's handler directly: no new
		// active event and no exception trap.
		ret = c.invokeState(&dest.view, dest, src, name, etCall|etSelf, args, at, from)
	} else {
		ret = c.dispatch(nil, dest, src, name, etCall, args, at, from)
	}
	if src == c.kses && c.dispatching == 0 {
		// A call from outside any session: POE rethrows at once.
		if err := c.takeException(); err != nil {
			return ret, err
		}
	}
	return ret, nil
}

// dispatch runs dest's handler for an event, trapping panics.
// In Parallel mode it runs on ch, the call chain of the caller.
func (c *core) dispatch(ch *chain, dest, src *Session, name string, typ evType, args []any, at *site, from string) any {
	if dest == c.kses {
		return c.kernelEvent(name, args)
	}
	if typ&etGC != 0 {
		return nil
	}
	if c.parallel {
		ret, _ := c.pdispatch(ch, dest, src, name, typ, args, at, from)
		return ret
	}
	if dest.dead {
		return nil
	}
	prevEv := c.cur.Load()
	c.dispatching++
	argTop := c.args.height()
	ret := c.invokeTrapped(&dest.view, dest, src, name, typ, args, at, from)
	// A panic may have unwound Calls (to the session's own handlers,
	// which are not trapped) before they could pop their arguments.
	c.args.popTo(argTop)
	c.dispatching--
	c.cur.Store(prevEv)
	if typ&(etCall|etStart|etStop) == 0 {
		return nil
	}
	return ret
}

func (c *core) invokeTrapped(view *Kernel, dest, src *Session, name string, typ evType, args []any, at *site, from string) (ret any) {
	depth := dest.evDepth
	defer func() {
		if r := recover(); r != nil {
			ret = nil
			c.trapped(r, depth, dest, src, name, typ, from)
		}
	}()
	return c.invokeState(view, dest, src, name, typ, args, at, from)
}

// trapped handles a panic that invokeTrapped recovered. It is a function
// of its own so that the common path's frame stays small.
//
//go:noinline
func (c *core) trapped(r any, depth uint8, dest, src *Session, name string, typ evType, from string) {
	dest.evDepth = depth
	// The handlers the panic unwound did not empty their Events.
	if dest.evc != nil {
		for i := int(depth); i < evSlots; i++ {
			dest.evc.slot[i].ev.Args, dest.evc.slot[i].ev.Sender = nil, nil
		}
	}
	f, l := panicSite()
	c.handlerPanic(&Exception{Err: panicError(r), Event: name, Dest: dest, Source: src, FromState: from, File: f, Line: l}, typ)
}

// invokeState is POE::Session's _invoke_state: find the handler, fall back
// to _default, and call it. typ says whether the session is starting or
// stopping, when it gets no cache of Events.
func (c *core) invokeState(view *Kernel, dest, src *Session, name string, typ evType, args []any, at *site, from string) any {
	if dest.trace {
		c.traceEvent(dest, name, at)
	}
	var h Handler
	if name == dest.lastName && dest.lastHandler != nil {
		h = dest.lastHandler
	} else if h = dest.states[name]; h != nil {
		dest.lastName, dest.lastHandler = name, h
	}
	active := name // POE's active event, also under _default
	if h == nil {
		if h, name, args = c.toDefault(dest, name, args, at); h == nil {
			return nil
		}
	}
	publish := typ&etSelf == 0
	// The Event comes from the session's cache, one per nesting depth
	// (a wheel's I/O event and the user's event it calls are two), so
	// that a handler costs no allocation, unless its state differs from
	// the last one at its depth (a small record, below). A
	// session's first and last events, and deeper nesting, get a new one.
	d := dest.evDepth
	var ev *Event
	var rec *curRec
	reused, started := false, false
	if d < evSlots && !c.freshEvents && typ&(etStart|etStop) == 0 {
		if dest.evc == nil {
			dest.evc = new(evCache)
		}
		sl := &dest.evc.slot[d]
		if publish {
			rec = sl.record(dest, active, typ)
		}
		ev, reused = &sl.ev, true
		// Only what changes from event to event is written: fewer
		// write barriers, and the session's own fields (its Session
		// and Heap never change; its view changes only for a Parallel
		// Call from another chain) stay as they were.
		if ev.Session == nil {
			ev.Session, ev.Heap = dest, dest.heap
		}
		if ev.Kernel != view {
			ev.Kernel = view
		}
		ev.State, ev.Sender, ev.Args = name, src, args
		ev.CallerFile, ev.CallerLine = at.where()
		ev.CallerState = from
	} else {
		if typ&etStart != 0 && !c.parallel && !c.freshEvents && c.startDepth < len(c.startEvs) {
			// _start in POE order: the kernel's Event for this
			// depth, and only the record is new.
			ev, rec = &c.startEvs[c.startDepth], &curRec{s: dest, state: active, typ: typ}
			c.startDepth++
			started = true
		} else if c.parallel {
			// The session keeps its record after the handler (see
			// below): alone, so that it keeps no Event alive.
			ev, rec = new(Event), &curRec{s: dest, state: active, typ: typ}
		} else {
			b := &evBox{rec: curRec{s: dest, state: active, typ: typ}}
			ev, rec = &b.ev, &b.rec
		}
		*ev = Event{
			Kernel:      view,
			Session:     dest,
			Heap:        dest.heap,
			State:       name,
			Sender:      src,
			Args:        args,
			CallerState: from,
		}
		ev.CallerFile, ev.CallerLine = at.where()
	}
	if publish {
		// One atomic store tells other goroutines both the active
		// session and its event (for SENDER and CALLER_STATE); the
		// record never changes, so they may read it while the Event is
		// reused. A Call to the session's own handler leaves the
		// caller's. In Parallel mode there is no single active
		// session: each session publishes its own, and keeps it after
		// the handler (it is read only while the session runs), so
		// one that handles a state again and again stores nothing;
		// pdispatch gives the outer handler's record back to a
		// session that was called back into.
		if !c.parallel {
			c.cur.Store(rec)
		} else if dest.runRec.Load() != rec {
			dest.runRec.Store(rec)
		}
	}
	dest.evDepth = d + 1
	ret := h(ev)
	dest.evDepth = d
	if reused {
		// Keep nothing alive for the next event: the arguments may be
		// large, and the sender may stop.
		ev.Args, ev.Sender = nil, nil
	} else if started {
		c.startDepth--
		*ev = Event{}
	} else if c.freshEvents {
		poisonEvent(ev)
	}
	return ret
}

// traceEvent prints the line of the session's "trace" option.
//
//go:noinline
func (c *core) traceEvent(dest *Session, name string, at *site) {
	file, line := at.where()
	fmt.Fprintf(c.out, "%d -> %s (from %s at %d)\n", dest.id, name, file, line)
}

// toDefault redirects an event with no handler to _default: it returns
// _default's handler (nil for none: the event is dropped), its name and
// its arguments. It is a function of its own so that invokeState's frame
// stays small.
//
//go:noinline
func (c *core) toDefault(dest *Session, name string, args []any, at *site) (Handler, string, []any) {
	if len(name) > 0 && name[0] == 0 {
		// An internal event (a wheel's, named with a leading NUL)
		// whose handler is gone: its wheel was closed. It never
		// reaches the user's _default.
		return nil, name, args
	}
	h := dest.states["_default"]
	if h == nil {
		if dest.warnDflt && name != "_signal" {
			file, line := at.where()
			fmt.Fprintf(c.out, "a '%s' event was sent from %s at %d to session %d but session %d has neither a handler for it nor one for _default\n", name, file, line, dest.id, dest.id)
		}
		return nil, name, args
	}
	if dest.trace {
		fmt.Fprintf(c.out, "%d -> %s redirected to _default\n", dest.id, name)
	}
	// ARG1 is a value the handler may keep, as Perl's array ref: a
	// copy, not the queue's storage.
	return h, "_default", []any{name, slices.Clone(args)}
}

// evSlots is how deep one session's nested events use cached Events.
const evSlots = 2

// evCache holds a session's reusable Events, one per nesting depth, each
// with the record published as the active state while it is handled.
type evCache struct{ slot [evSlots]evSlot }

type evSlot struct {
	ev  Event
	rec *curRec
}

// record returns the record that publishes dest's state at this depth:
// the last one, or a new one when the state differs. Goroutines that
// post may still read the old record, so it is never changed.
func (sl *evSlot) record(dest *Session, state string, typ evType) *curRec {
	if r := sl.rec; r != nil && r.typ == typ && sameString(r.state, state) {
		return r
	}
	sl.rec = &curRec{s: dest, state: state, typ: typ}
	return sl.rec
}

// curRec is what c.cur publishes: the session being dispatched and its
// state. It is immutable, so goroutines that post may read it at any time.
type curRec struct {
	s     *Session
	state string // POE's active event: the name dispatched, before any _default
	typ   evType
}

// evBox is an Event that is not reused, with its record, in one
// allocation.
type evBox struct {
	ev  Event
	rec curRec
}

// poisonEvent empties an Event whose handler has returned, in the mode
// that checks that no handler keeps its Event (EventCheckEnv): a kept
// Event then fails at once with a nil dereference instead of showing a
// later event's values.
func poisonEvent(ev *Event) {
	*ev = Event{State: "(an Event used after its handler returned)"}
}

// callerState is the state src is handling now, or "" when src is not
// the session being dispatched (in Parallel mode: not running). Wheels'
// goroutines post too, so the current event is published through an
// atomic pointer.
func (c *core) callerState(src *Session) string {
	if c.parallel {
		if src.parSession == nil || src.owner.Load() == nil {
			return "" // not running
		}
		if r := src.runRec.Load(); r != nil {
			return r.state
		}
		return ""
	}
	if r := c.cur.Load(); r != nil && r.s == src {
		return r.state
	}
	return ""
}

// handlerPanic is POE's exception path: a panic in _stop, in a DIE handler
// or in the kernel is recorded for Run to return; any other becomes a DIE
// signal queued to the session.
func (c *core) handlerPanic(x *Exception, typ evType) {
	if typ&(etStop|etSigDie) != 0 || x.Dest == c.kses {
		c.recordException(x)
		return
	}
	_, _ = c.push(x.Dest, c.kses, "_signal", etSignal|etSigDie, []any{"DIE", x}, 0, nil, "")
}

func (c *core) recordException(err error) {
	c.exMu.Lock()
	if c.exception == nil {
		c.exception = err
		c.excepted.Store(true)
	}
	c.exMu.Unlock()
}

func (c *core) takeException() error {
	c.exMu.Lock()
	err := c.exception
	c.exception = nil
	c.excepted.Store(false)
	c.exMu.Unlock()
	return err
}

func (c *core) hasException() bool { return c.excepted.Load() }

// kernelEvent handles events sent to the kernel's own session.
func (c *core) kernelEvent(name string, args []any) any {
	if name == "_sigchld" && len(args) == 2 {
		pid, _ := args[0].(int)
		status, _ := args[1].(int)
		c.childExited(pid, status)
		return nil
	}
	if name == "_signal" && len(args) > 0 && args[0] == "IDLE" {
		// POE: after an IDLE that sessions handled, if the kernel is
		// still idle, the ZOMBIE signal stops everything.
		c.qmu.Lock()
		// In Parallel mode the IDLE being handled is itself pending.
		idle := c.q.len() == 0
		if c.parallel {
			idle = idle && c.pendingCount() == 1
		}
		c.qmu.Unlock()
		if idle && c.handles == 0 {
			_, _ = c.push(c.kses, c.kses, "_signal", etSignal, []any{"ZOMBIE"}, 0, nil, "")
		}
	}
	return nil
}
