package kernel

import (
	"io"
	"time"
)

// Run dispatches events until no session is left, then returns. It returns
// at once when there are no sessions, and it may be called again after it
// returns. Its error is the *Exception of a panic whose DIE signal no
// session handled. Run must not be called from a handler.
func (k *Kernel) Run() error {
	c := k.c
	if c.parallel {
		return c.runParallel()
	}
	if c.sessions == 0 {
		return c.takeException()
	}
	c.running = true
	c.lingerOpen()
	c.sig.watchKernel(c, "IDLE")
	c.qmu.Lock()
	for c.sessions > 0 {
		c.testIdleLocked()
		if !c.waitDue() {
			break
		}
		c.runBatch()
	}
	c.qmu.Unlock()
	c.finalize()
	c.running = false
	return c.takeException()
}

// RunOneTimeslice dispatches the events that are due now, as one pass of
// POE's loop, without waiting for timers or I/O. Call it from the goroutine
// that owns the kernel, not from a handler.
func (k *Kernel) RunOneTimeslice() {
	c := k.c
	if c.parallel {
		return
	}
	if c.sessions == 0 {
		c.finalize()
		return
	}
	c.sig.watchKernel(c, "IDLE")
	c.qmu.Lock()
	c.testIdleLocked()
	if c.stopReq {
		c.stopReq = false
		c.qmu.Unlock()
		c.stopAll(nil)
		c.qmu.Lock()
	}
	c.runBatch()
	c.qmu.Unlock()
}

// Stop stops every session, delivering _stop and _child as POE's stop does,
// leaves first. Called from a handler it has finished when it returns; from
// another goroutine while Run runs (use Outside().Stop()), it asks the loop
// to stop and returns at once.
func (k *Kernel) Stop() {
	c := k.c
	if c.parallel {
		c.parallelStop(k)
		return
	}
	if k.s == c.kses || (k.s == nil && c.running && c.dispatching == 0) {
		c.qmu.Lock()
		c.stopReq = true
		if c.sleeping {
			c.sleeping = false
			select {
			case c.wake <- struct{}{}:
			default:
			}
		}
		c.qmu.Unlock()
		return
	}
	c.stopAll(nil)
}

// testIdle posts the IDLE signal when only aliases keep sessions alive:
// nothing queued, no I/O, no extra references, no child processes. qmu
// must be held.
func (c *core) testIdleLocked() {
	if c.q.len() == 0 && c.handles == 0 && c.extrefs == 0 && c.sig.pidCount == 0 && c.sessions > 0 {
		c.qmu.Unlock()
		_, _ = c.push(c.kses, c.kses, "_signal", etSignal, []any{"IDLE"}, 0, nil, "")
		c.qmu.Lock()
	}
}

// waitDue blocks until an event is due or a stop is requested, with qmu
// held on entry and on return. It returns false when the loop should end.
func (c *core) waitDue() bool {
	var timer *time.Timer
	ok := c.waitDueWith(&timer)
	if timer != nil {
		timer.Stop()
	}
	return ok
}

func (c *core) waitDueWith(tp **time.Timer) bool {
	for {
		if c.stopReq {
			c.stopReq = false
			c.qmu.Unlock()
			c.stopAll(nil)
			c.qmu.Lock()
			return c.sessions > 0
		}
		e := c.q.peek()
		var wait time.Duration = -1
		if e != nil {
			if e.typ&etAlarm == 0 {
				return true
			}
			wait = time.Duration(e.due) - c.now()
			if wait <= 0 {
				return true
			}
		}
		if c.sessions == 0 {
			return false
		}
		c.sleeping = true
		c.qmu.Unlock()
		if wait < 0 {
			<-c.wake
		} else {
			if *tp == nil {
				*tp = time.NewTimer(wait)
			} else {
				(*tp).Reset(wait)
			}
			select {
			case <-c.wake:
			case <-(*tp).C:
			}
		}
		c.qmu.Lock()
		c.sleeping = false
	}
}

// runBatch is POE's _data_ev_dispatch_due: dispatch every event due at the
// start of the batch, then sweep for sessions with nothing left. qmu is
// held on entry and on return, and released around each handler.
func (c *core) runBatch() {
	running.Store(c.root)
	// The clock matters only to timers: with none queued, the cached
	// reading stands in for now (a timer set during the batch reads the
	// clock itself), which saves a clock read per batch, and a batch per
	// event is what a ping-pong of posts is.
	now := c.clock
	if len(c.q.timers) > 0 {
		now = int64(c.now())
		if now > c.clock {
			c.clock = now
		}
	}
	cutoff := c.seq
	// Sessions created from now on are in the next batch.
	c.gcOpen = nil
	for {
		e := c.q.peek()
		if e == nil || !isDue(e, now, cutoff) || c.stopReq {
			break
		}
		c.q.remove(e)
		dest, src := e.dest, e.src
		c.unrefEventLocked(e)
		c.qmu.Unlock()
		if dest.dead || src.dead {
			// Left behind by a session that stopped while the queue
			// was too long to scan.
		} else if e.typ&etSignal != 0 {
			c.dispatchSignal(nil, e)
		} else if e.typ&etGC == 0 {
			c.dispatch(nil, dest, src, e.name, e.typ, e.args, e.at, e.from)
		}
		if c.hasException() {
			c.stopAll(nil)
		}
		c.qmu.Lock()
		c.recycle(e)
	}
	if len(c.marked) > 0 && c.anyCollectableLocked() {
		c.qmu.Unlock()
		c.sweep(nil)
		c.qmu.Lock()
	}
}

// unheld says whether nothing keeps s alive: no reference, no event to or
// from it (counted in pev in Parallel mode), and it has not stopped. qmu
// must be held.
func (s *Session) unheld() bool {
	return s.refs < 1 && s.pev.Load() == 0 && !s.dead
}

// collectable says whether s, at position i of the marks of generation
// gen, is still marked there and holds nothing. qmu must be held.
func (s *Session) collectable(gen uint64, i int) bool {
	return s.markGen == gen && int(s.markIdx) == i && s.unheld()
}

// anyCollectableLocked says whether a marked session still has nothing;
// when none has (a session marked as its last event was taken, then given
// a new one by its handler: every event of a ping-pong), the marks are
// dropped at once, without the sweep's locking. qmu must be held.
func (c *core) anyCollectableLocked() bool {
	for i, s := range c.marked {
		if s.collectable(c.markGen, i) {
			return true
		}
	}
	clear(c.marked)
	c.marked = c.marked[:0]
	if c.parallel {
		c.anyMarked.Store(false)
	}
	c.markGen++
	return false
}

// isDue says whether e belongs to the batch that started at now, when the
// last queued sequence number was cutoff. Posts made during the batch wait
// for the next one; a timer set during the batch for a time already past
// runs in it, as in POE where its priority is below the batch's now.
func isDue(e *event, now int64, cutoff uint64) bool {
	if e.typ&etAlarm == 0 {
		return e.seq <= cutoff
	}
	return e.due < now || (e.due == now && e.seq <= cutoff)
}

// refInc and refDec keep POE's reference count. Reaching zero marks the
// session for the sweep at the end of the batch; the newest mark decides
// the sweep's order, as POE's list of marked sessions does.
func (c *core) refInc(s *Session) {
	c.qmu.Lock()
	s.refs++
	c.qmu.Unlock()
}

func (c *core) refDec(s *Session) {
	c.qmu.Lock()
	c.refDecLocked(s)
	c.qmu.Unlock()
}

func (c *core) refDecLocked(s *Session) {
	s.refs--
	if s.unheld() {
		c.markLocked(s)
	}
}

// markLocked appends s to the sweep list; qmu must be held.
func (c *core) markLocked(s *Session) {
	if s == c.kses || s.dead {
		return
	}
	s.markGen, s.markIdx = c.markGen, int32(len(c.marked))
	c.marked = append(c.marked, s)
	if len(c.marked) == 1 && c.parallel {
		c.anyMarked.Store(true)
	}
}

// sweep is POE's _data_ses_gc_sweep: the sessions whose count is zero are
// stopped, newest mark first, until stopping them marks no more (a parent
// may lose its last child).
func (c *core) sweep(ch *chain) {
	for {
		c.qmu.Lock()
		if len(c.marked) == 0 {
			c.qmu.Unlock()
			return
		}
		// Two lists take turns, so a busy loop marks without
		// allocating.
		todo, gen := c.marked, c.markGen
		c.marked = c.markSpare[:0]
		c.markSpare = nil
		if c.parallel {
			c.anyMarked.Store(false)
		}
		c.markGen++
		var dead []*Session
		for i := len(todo) - 1; i >= 0; i-- {
			s := todo[i]
			if s.collectable(gen, i) {
				dead = append(dead, s)
			}
		}
		clear(todo)
		if c.markSpare == nil {
			c.markSpare = todo[:0]
		}
		c.qmu.Unlock()
		for _, s := range dead {
			if !c.parallel {
				c.stopSession(ch, s)
			} else if c.claimForGC(ch, s) {
				c.stopClaimed(ch, s)
			}
		}
	}
}

// stopAll is POE's stop(): every session, deepest first.
func (c *core) stopAll(ch *chain) {
	c.smu.Lock()
	all := []*Session{c.kses}
	for i := 0; i < len(all); i++ {
		all = all[i].appendChildren(all)
	}
	c.smu.Unlock()
	for i := len(all) - 1; i > 0; i-- {
		c.stopSession(ch, all[i])
	}
	saved := c.cur.Load()
	c.cur.Store(nil)
	c.sweep(ch)
	c.cur.Store(saved)
}

// stopSession is POE's _data_ses_stop: hand the children to the parent,
// deliver _stop, tell the parent, and free the session.
func (c *core) stopSession(ch *chain, s *Session) {
	c.qmu.Lock()
	if s.stopping || s.dead || s == c.kses {
		c.qmu.Unlock()
		return
	}
	s.stopping = true
	s.closing.Store(true)
	c.qmu.Unlock()
	c.stopClaimed(ch, s)
}

// claimForGC decides whether the sweep may stop s, and if so marks it
// stopping. In Parallel mode a handler running on another chain (the
// creator's, running _start; a caller's) may have given s references
// since it was marked, so the decision is taken holding s's execution
// lock: once no handler runs in s, its counts are what they are.
func (c *core) claimForGC(ch *chain, s *Session) bool {
	if ch == nil {
		ch = &chain{}
	}
	if c.acquire(s, ch) != nil {
		return false // a chain waiting on ch is in s: s is in use
	}
	c.qmu.Lock()
	free := s.unheld() && !s.stopping
	if free {
		s.stopping = true
		s.closing.Store(true)
	}
	c.qmu.Unlock()
	c.release(s)
	return free
}

// stopClaimed stops s, which its caller has marked stopping.
func (c *core) stopClaimed(ch *chain, s *Session) {
	c.smu.Lock()
	parent := s.parent
	children := s.Children()
	c.smu.Unlock()
	for _, child := range children {
		c.dispatch(ch, parent, c.kses, "_child", etChild, []any{"gain", child}, nil, "")
		c.dispatch(ch, child, c.kses, "_parent", etParent, []any{child.parent, parent}, nil, "")
	}
	ret := c.dispatch(ch, s, c.activeSession(), "_stop", etStop, nil, nil, "")
	c.dispatch(ch, parent, c.kses, "_child", etChild, []any{"lose", s, ret}, nil, "")
	c.free(s)
}

// free releases everything s holds.
func (c *core) free(s *Session) {
	c.smu.Lock()
	parent := s.parent
	parent.removeChild(s)
	c.refDec(parent)
	for ch := s.firstChild; ch != nil; {
		next := ch.nextSib
		s.removeChild(ch)
		parent.addChild(ch)
		c.refInc(parent)
		ch = next
	}

	c.sig.clearSession(c, s)
	var handles []io.Closer
	if x := s.extras.Load(); x != nil {
		c.extrefs -= len(x.extref)
		x.extref = nil
		handles = append(x.passive, x.handles...)
		c.handles -= len(x.handles)
		x.handles, x.passive = nil, nil
	}
	c.smu.Unlock()

	c.nmu.Lock()
	c.ids.delete(s.id)
	if s.alias != "" {
		c.aliases.delete(s.alias, s)
	}
	if x := s.extras.Load(); x != nil {
		for _, a := range x.aliases {
			c.aliases.delete(a, s)
		}
		x.aliases = nil
	}
	s.alias = ""
	c.nmu.Unlock()

	c.qmu.Lock()
	// POE removes the session's events at once, which lets the other
	// party of an event be collected in the same sweep. That is a scan of
	// the queue; past eagerScanMax events (a million sessions stopping
	// with events queued) it would make teardown quadratic, so there the
	// events are dropped when they come up instead.
	if (s.evTo > 0 || s.evFrom > 0 || s.pev.Load() > 0) && c.q.len() <= eagerScanMax {
		for _, e := range c.q.matching(func(e *event) bool { return e.dest == s || e.src == s }) {
			c.q.remove(e)
			c.unrefEventLocked(e)
		}
	}
	s.dead = true
	s.gone.Store(true)
	c.sessions--
	last := c.sessions == 0
	c.qmu.Unlock()
	if last && c.parallel {
		c.par.allStopped()
	}

	// Wheels and other I/O are closed last, outside every lock: their
	// goroutines may be posting, and those posts are now discarded.
	for i := len(handles) - 1; i >= 0; i-- {
		_ = handles[i].Close()
	}
	c.actors.release(s)
}

// eagerScanMax is the queue length up to which a stopping session's
// events are removed from the queue at once.
const eagerScanMax = 4096

func removeSession(list []*Session, s *Session) []*Session {
	for i, x := range list {
		if x == s {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// finalize clears what is left when Run ends.
func (c *core) finalize() {
	c.endLingering()
	c.sig.finalize(c)
	c.qmu.Lock()
	c.q = queue{}
	c.gcOpen = nil
	c.stopReq = false
	c.qmu.Unlock()
	c.kses.evTo, c.kses.evFrom, c.kses.refs = 0, 0, 0
	c.kses.pev.Store(0)
	c.marked = nil
	c.anyMarked.Store(false)
	c.actors.shutdown()
}
