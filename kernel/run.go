package kernel

import (
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
	c.sig.watchKernel(c, "IDLE")
	for c.sessions > 0 {
		c.testIdle()
		if !c.waitDue() {
			break
		}
		c.runBatch()
	}
	c.finalize()
	c.running = false
	return c.takeException()
}

// RunOneTimeslice dispatches the events that are due now, as one pass of
// POE's loop, without waiting for timers or I/O. Call it from the goroutine
// that owns the kernel, not from a handler.
func (k *Kernel) RunOneTimeslice() {
	c := k.c
	if c.sessions == 0 {
		c.finalize()
		return
	}
	c.sig.watchKernel(c, "IDLE")
	c.testIdle()
	c.runBatch()
}

// Stop stops every session, delivering _stop and _child as POE's stop does,
// leaves first. Called from a handler it has finished when it returns; from
// another goroutine while Run runs (use Outside().Stop()), it asks the loop
// to stop and returns at once.
func (k *Kernel) Stop() {
	c := k.c
	if c.parallel {
		c.parallelStop()
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
	c.stopAll()
}

func (c *core) takeException() error {
	err := c.exception
	c.exception = nil
	return err
}

// testIdle posts the IDLE signal when only aliases keep sessions alive:
// nothing queued, no I/O, no extra references, no child processes.
func (c *core) testIdle() {
	c.qmu.Lock()
	n := c.q.len()
	c.qmu.Unlock()
	if n == 0 && c.handles == 0 && c.extrefs == 0 && c.sig.pidCount == 0 && c.sessions > 0 {
		_, _ = c.push(&event{dest: c.kses, src: c.kses, name: "_signal", typ: etSignal, args: []any{"IDLE"}})
	}
}

// waitDue blocks until an event is due or a stop is requested. It returns
// false when the loop should end.
func (c *core) waitDue() bool {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		c.qmu.Lock()
		if c.stopReq {
			c.stopReq = false
			c.qmu.Unlock()
			c.stopAll()
			return c.sessions > 0
		}
		e := c.q.peek()
		var wait time.Duration = -1
		if e != nil {
			if e.typ&etAlarm == 0 {
				c.qmu.Unlock()
				return true
			}
			wait = time.Duration(e.due) - c.now()
			if wait <= 0 {
				c.qmu.Unlock()
				return true
			}
		}
		if c.sessions == 0 {
			c.qmu.Unlock()
			return false
		}
		c.sleeping = true
		c.qmu.Unlock()
		if wait < 0 {
			<-c.wake
		} else {
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-c.wake:
			case <-timer.C:
			}
		}
		c.qmu.Lock()
		c.sleeping = false
		c.qmu.Unlock()
	}
}

// runBatch is POE's _data_ev_dispatch_due: dispatch every event due at the
// start of the batch, then sweep for sessions with nothing left.
func (c *core) runBatch() {
	running.Store(c.root)
	c.qmu.Lock()
	now := int64(c.now())
	cutoff := c.seq
	c.qmu.Unlock()
	for {
		c.qmu.Lock()
		e := c.q.peek()
		if e == nil || !isDue(e, now, cutoff) || c.stopReq {
			c.qmu.Unlock()
			break
		}
		c.q.remove(e)
		dest, src := e.dest, e.src
		dest.evTo--
		if dest.evTo == 0 {
			c.mark(dest)
		}
		if src != dest {
			src.evFrom--
			if src.evFrom == 0 {
				c.mark(src)
			}
		}
		c.qmu.Unlock()

		if e.typ&etSignal != 0 {
			c.dispatchSignal(e)
		} else {
			c.dispatch(dest, src, e.name, e.typ, e.args, e.file, e.line, e.from)
		}
		if c.exception != nil {
			c.stopAll()
		}
	}
	c.sweep()
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

// mark notes that s may have nothing left; sweep checks it.
func (c *core) mark(s *Session) {
	if s == c.kses || s.marked || s.dead {
		return
	}
	s.marked = true
	c.marked = append(c.marked, s)
}

// refcount is what keeps s alive, counted as POE counts it.
func (c *core) refcount(s *Session) int {
	c.qmu.Lock()
	n := 0
	if s.evTo > 0 {
		n++
	}
	if s.evFrom > 0 {
		n++
	}
	c.qmu.Unlock()
	return n + len(s.children) + len(s.aliases) + len(s.extref) + len(s.handles) + len(s.pids)
}

// sweep stops marked sessions whose refcount is zero, newest marks first,
// until stopping them marks no more (a parent may lose its last child).
func (c *core) sweep() {
	for len(c.marked) > 0 {
		todo := c.marked
		c.marked = nil
		for i := len(todo) - 1; i >= 0; i-- {
			s := todo[i]
			s.marked = false
			if !s.dead && !s.stopping && c.refcount(s) == 0 {
				c.stopSession(s)
			}
		}
	}
}

// stopAll is POE's stop(): every session, deepest first.
func (c *core) stopAll() {
	all := []*Session{c.kses}
	for i := 0; i < len(all); i++ {
		all = append(all, all[i].children...)
	}
	for i := len(all) - 1; i > 0; i-- {
		c.stopSession(all[i])
	}
	saved := c.active.Load()
	c.active.Store(c.kses)
	c.sweep()
	c.active.Store(saved)
}

// stopSession is POE's _data_ses_stop: hand the children to the parent,
// deliver _stop, tell the parent, and free the session.
func (c *core) stopSession(s *Session) {
	if s.stopping || s.dead || s == c.kses {
		return
	}
	s.stopping = true
	parent := s.parent
	for _, child := range append([]*Session(nil), s.children...) {
		c.dispatch(parent, c.kses, "_child", etChild, []any{"gain", child}, "", 0, "")
		c.dispatch(child, c.kses, "_parent", etParent, []any{child.parent, parent}, "", 0, "")
	}
	ret := c.dispatch(s, c.active.Load(), "_stop", etStop, nil, "", 0, "")
	c.dispatch(parent, c.kses, "_child", etChild, []any{"lose", s, ret}, "", 0, "")
	c.free(s)
}

// free releases everything s holds.
func (c *core) free(s *Session) {
	parent := s.parent
	parent.children = removeSession(parent.children, s)
	c.mark(parent)
	for _, child := range s.children {
		child.parent = parent
		parent.children = append(parent.children, child)
	}
	s.children = nil

	c.sig.clearSession(c, s)
	c.extrefs -= len(s.extref)
	s.extref = nil
	handles := s.handles
	s.handles = nil
	c.handles -= len(handles)

	c.nmu.Lock()
	delete(c.byID, s.id)
	for _, a := range s.aliases {
		delete(c.aliases, a)
	}
	c.nmu.Unlock()
	s.aliases = nil

	c.qmu.Lock()
	if s.evTo > 0 || s.evFrom > 0 {
		c.q.each(func(e *event) {
			if e.dest != s && e.src != s {
				return
			}
			c.q.remove(e)
			e.dest.evTo--
			if e.src != e.dest {
				e.src.evFrom--
			}
			if e.dest != s && e.dest.evTo == 0 {
				c.mark(e.dest)
			}
			if e.src != s && e.src.evFrom == 0 {
				c.mark(e.src)
			}
		})
	}
	s.dead = true
	c.qmu.Unlock()
	c.sessions--

	// Wheels and other I/O are closed last, outside every lock: their
	// goroutines may be posting, and those posts are now discarded.
	for i := len(handles) - 1; i >= 0; i-- {
		_ = handles[i].Close()
	}
	c.actors.release(s)
}

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
	c.sig.finalize(c)
	c.qmu.Lock()
	c.q = queue{}
	c.stopReq = false
	c.qmu.Unlock()
	c.kses.evTo, c.kses.evFrom = 0, 0
	c.marked = nil
	c.actors.shutdown()
}
