package kernel

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/asynkron/protoactor-go/actor"
)

// Parallel mode runs every session on its own protoactor mailbox: sessions
// handle events concurrently, each session one handler at a time, and the
// order of events from one sender to one receiver is kept (a mailbox is a
// FIFO). What the POE-faithful loop does between events, the goroutine
// that handled an event does here: it releases the event's references and
// sweeps sessions left with nothing. A worker that runs out of work tests
// for IDLE.
//
// A session's handlers are serialised by an execution lock owned by a call
// chain: the mailbox run that started handling an event, and every Call
// made from it. A Call into a session that the same chain holds re-enters
// it, as POE's call does; a Call into a busy session waits, unless waiting
// would close a cycle of chains, which is ErrDeadlock.

// chain returns the call chain k's calls run on. A handler's e.Kernel
// carries it. A session's own view (Session.Kernel, which wheels keep)
// does not, so inside that session's handler it takes the chain that is
// running the session; a view is for its session's handlers, so that is
// the caller's chain.
func (k *Kernel) chain() *chain {
	if k.ch != nil || !k.c.parallel || k.s == nil || k.s == k.c.kses {
		return k.ch
	}
	return k.s.owner.Load()
}

// chain is one synchronous chain of handlers.
type chain struct {
	waitingFor *Session // guarded by parallelState.mu
	sigHandled bool
	// What the chain's goroutine alone uses, kept from run to run of a
	// session's own chain: the arguments of the Calls under way, one
	// above the other (Call copies its arguments here, so that it
	// allocates nothing), and the view last made for a handler of
	// another session run on this chain.
	args callArgs
	view *Kernel
}

// viewFor is the Kernel view a handler of dest gets when it runs on ch.
// Views never change, so the last one made on ch serves again.
func (c *core) viewFor(ch *chain, dest *Session) *Kernel {
	if ch == dest.runChain {
		return dest.runView
	}
	if v := ch.view; v != nil && v.s == dest {
		return v
	}
	v := &Kernel{c: c, s: dest, ch: ch}
	ch.view = v
	return v
}

type parallelState struct {
	mu   sync.Mutex // guards chain.waitingFor and waits on cond
	cond *sync.Cond
	pool *workerPool

	doneMu sync.Mutex
	done   chan struct{}
	timers sync.WaitGroup
	quit   chan struct{}
}

func (c *core) initParallel() {
	c.par.cond = sync.NewCond(&c.par.mu)
	c.par.pool = newWorkerPool(runtime.GOMAXPROCS(0))
	c.par.pool.onIdle = c.testIdleParallel
	c.newMailbox(c.kses)
}

func (c *core) newMailbox(s *Session) {
	s.parSession = &parSession{}
	s.runChain = &chain{}
	s.runView = &Kernel{c: c, s: s, ch: s.runChain}
	mb := actor.Unbounded()()
	mb.RegisterHandlers(s, (*sessionDispatcher)(s))
	mb.Start()
	s.pbox = mb
}

// acquire makes ch the owner of s's execution lock, re-entering if ch
// already owns it.
func (c *core) acquire(s *Session, ch *chain) error {
	if s.owner.CompareAndSwap(nil, ch) {
		s.depth = 1
		return nil
	}
	if s.owner.Load() == ch {
		s.depth++
		return nil
	}
	p := &c.par
	p.mu.Lock()
	s.waiters.Add(1)
	defer func() {
		s.waiters.Add(-1)
		p.mu.Unlock()
	}()
	for {
		if s.owner.CompareAndSwap(nil, ch) {
			s.depth = 1
			return nil
		}
		owner := s.owner.Load()
		if owner == nil {
			continue
		}
		// Would waiting close a cycle? Follow who waits for whom.
		for o, n := owner, 0; o != nil && n < 1<<16; n++ {
			if o == ch {
				return ErrDeadlock
			}
			w := o.waitingFor
			if w == nil {
				break
			}
			o = w.owner.Load()
		}
		ch.waitingFor = s
		p.cond.Wait()
		ch.waitingFor = nil
	}
}

func (c *core) release(s *Session) {
	s.depth--
	if s.depth > 0 {
		return
	}
	s.owner.Store(nil)
	if s.waiters.Load() > 0 {
		c.par.mu.Lock()
		c.par.cond.Broadcast()
		c.par.mu.Unlock()
	}
}

// pdispatch runs dest's handler on chain ch under dest's execution lock.
func (c *core) pdispatch(ch *chain, dest, src *Session, name string, typ evType, args []any, at *site, from string) (any, error) {
	if dest.gone.Load() {
		return nil, ErrNoSuchSession
	}
	if ch == nil {
		ch = &chain{}
	}
	if err := c.acquire(dest, ch); err != nil {
		return nil, err
	}
	view := c.viewFor(ch, dest)
	prevE, prevT := dest.runEvent, dest.runType
	nested, prevRec := dest.evDepth > 0, dest.runRec.Load()
	dest.runEvent, dest.runType = name, typ
	argTop := ch.args.height()
	ret := c.invokeTrapped(view, dest, src, name, typ, args, at, from)
	// A panic may have unwound Calls to the session's own handlers
	// before they could pop their arguments, and, in a handler nested in
	// another of the session's, invokeState before it could give the
	// outer one its record back.
	ch.args.popTo(argTop)
	dest.runEvent, dest.runType = prevE, prevT
	if nested && dest.runRec.Load() != prevRec {
		dest.runRec.Store(prevRec)
	}
	c.release(dest)
	if typ&(etCall|etStart|etStop) == 0 {
		ret = nil
	}
	return ret, nil
}

func (c *core) parallelCall(ch *chain, src, dest *Session, name string, args []any, at *site, from string) (any, error) {
	if ch != nil && dest == src && dest.owner.Load() == ch {
		// A call to one's own session: a plain function call, and a
		// panic propagates to the caller, as in POE.
		return c.invokeState(c.viewFor(ch, dest), dest, src, name, etCall|etSelf, args, at, from), nil
	}
	ret, err := c.pdispatch(ch, dest, src, name, etCall, args, at, from)
	if err == nil && src == c.kses && ch == nil {
		if x := c.takeException(); x != nil {
			return ret, x
		}
	}
	return ret, err
}

// InvokeUserMessage implements actor.MessageInvoker: a protoactor mailbox
// hands the session one queued event. Only Parallel mode uses it.
func (s *Session) InvokeUserMessage(msg any) {
	e, ok := msg.(*event)
	if !ok {
		return
	}
	c := s.c
	// Only one mailbox run of a session is active at a time, so the
	// session's own chain can serve every run.
	ch := s.runChain
	*ch = chain{args: ch.args, view: ch.view}
	// Events to a session that has begun to stop are dropped, as POE
	// drops them when it frees the session.
	if !e.dest.closing.Load() && !e.src.gone.Load() {
		switch {
		case e.typ&etSignal != 0:
			c.dispatchSignal(ch, e)
		case e.typ&etGC != 0:
		default:
			c.dispatch(ch, e.dest, e.src, e.name, e.typ, e.args, e.at, e.from)
		}
	}
	c.unrefParallel(e, false)
	if c.anyMarked.Load() {
		c.sweep(ch)
	}
	// The event stays pending until its sweep is done, so that no
	// other worker finds the kernel idle while sessions are stopping.
	s.runner.counts.done.Add(1)
	*e = event{}
	eventPool.Put(e)
	if c.hasException() {
		c.stopAll(ch)
	}
}

// InvokeSystemMessage implements actor.MessageInvoker. Sessions have no
// protoactor supervision, so there is nothing to do.
func (s *Session) InvokeSystemMessage(any) {}

// EscalateFailure implements actor.MessageInvoker. Handlers' panics are
// trapped before they reach the mailbox, so this reports a kernel fault.
func (s *Session) EscalateFailure(reason any, _ any) {
	s.c.recordException(fmt.Errorf("kernel: mailbox failure in %v: %v", s, reason))
	s.c.par.allStopped()
}

// testIdleParallel posts IDLE when nothing is pending anywhere.
func (c *core) testIdleParallel() {
	c.smu.Lock()
	quiet := c.handles == 0 && c.extrefs == 0 && c.sig.pidCount == 0
	c.smu.Unlock()
	if !quiet {
		return
	}
	// The test and the post are one step under qmu: workers that park
	// at the same moment post one IDLE, not one each.
	c.qmu.Lock()
	if c.pendingCount() == 0 && c.q.len() == 0 && c.sessions > 0 && c.running {
		_, _ = c.push(c.kses, c.kses, "_signal", etSignal, []any{"IDLE"}, 0, nil, "")
	}
	c.qmu.Unlock()
}

// pendingCount is the number of Parallel mode events posted and not yet
// handled. Each worker counts the events its handlers post and the events
// it handles (other goroutines count theirs in c.outside), so a busy core
// touches only its own counters. The handled counts are read before the
// posted ones: an event is posted before it is handled and the counters
// only grow, so every handled event read is also among the posted ones
// read; the two sums are equal only if no event posted up to the second
// read is unhandled at the first. Zero is thus never seen while an event
// is pending, though a count read under way may be too high.
func (c *core) pendingCount() int64 {
	var d, p int64
	ws := c.par.pool.workers
	for _, w := range ws {
		d += w.counts.done.Load()
	}
	for _, w := range ws {
		p += w.counts.posted.Load()
	}
	return p + c.outside.posted.Load() - d
}

// resetPending forgets events that will never be handled: those left in
// mailboxes when Run ends. No worker is running.
func (c *core) resetPending() {
	for _, w := range c.par.pool.workers {
		w.counts.posted.Store(0)
		w.counts.done.Store(0)
	}
	c.outside.posted.Store(0)
}

func (c *core) runParallel() error {
	c.qmu.Lock()
	n := c.sessions
	c.qmu.Unlock()
	if n == 0 {
		return c.takeException()
	}
	p := &c.par
	p.doneMu.Lock()
	p.done = make(chan struct{})
	done := p.done
	p.doneMu.Unlock()
	p.quit = make(chan struct{})
	// Sessions created with no kernel given join this one (Current); in
	// Parallel mode their parent is the kernel, as there is no single
	// active session to find: handlers pass e.Kernel to have one.
	prev := running.Swap(c.root)
	defer running.CompareAndSwap(c.root, prev)
	c.running = true
	c.lingerOpen()
	c.sig.watchKernel(c, "IDLE")
	p.pool.start()
	p.timers.Add(1)
	go c.timerLoop()
	c.testIdleParallel()
	<-done
	// What lingers ends while the workers still run: a child's exit
	// is posted to the kernel's session, which must not be left queued
	// on a stopped pool.
	c.endLingering()
	close(p.quit)
	c.qmu.Lock()
	if c.sleeping {
		c.sleeping = false
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	c.qmu.Unlock()
	p.timers.Wait()
	p.pool.stop()
	c.running = false
	c.finalize()
	c.resetPending()
	c.newMailbox(c.kses) // its last run may have been dropped with the pool
	return c.takeException()
}

// allStopped ends runParallel once the last session is gone.
func (p *parallelState) allStopped() {
	p.doneMu.Lock()
	if p.done != nil {
		select {
		case <-p.done:
		default:
			close(p.done)
		}
	}
	p.doneMu.Unlock()
}

// timerLoop hands due timers to their sessions' mailboxes.
func (c *core) timerLoop() {
	defer c.par.timers.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		c.qmu.Lock()
		var due []*event
		wait := time.Duration(-1)
		now := int64(c.now())
		for len(c.q.timers) > 0 {
			e := c.q.timers[0]
			if e.due > now {
				wait = time.Duration(e.due - now)
				break
			}
			c.q.remove(e)
			c.outside.posted.Add(1)
			due = append(due, e)
		}
		if now > c.clock {
			c.clock = now
		}
		if len(due) == 0 {
			c.sleeping = true
		}
		c.qmu.Unlock()
		for _, e := range due {
			e.dest.pbox.PostUserMessage(e)
		}
		if len(due) > 0 {
			continue
		}
		if wait < 0 {
			wait = time.Hour
		}
		t.Reset(wait)
		select {
		case <-c.par.quit:
			return
		case <-c.wake:
		case <-t.C:
		}
		c.qmu.Lock()
		c.sleeping = false
		c.qmu.Unlock()
	}
}

func (c *core) parallelStop(k *Kernel) {
	ch := k.chain()
	if ch == nil {
		ch = &chain{}
	}
	c.stopAll(ch)
}

// workerPool runs Parallel mode's mailboxes: a fixed set of goroutines,
// one per core, each with its own run queue. Every session's mailbox has
// the session as its protoactor Dispatcher, so the pool learns which
// session a mailbox run is for, and queues it on the worker that is
// running the session that posted: a pair of sessions talking to each
// other stays on one core and its events never cross caches. A worker
// with nothing queued steals half of another's queue. Work scheduled
// before Run waits for Run to start the workers.
type workerPool struct {
	workers []*worker
	rr      atomic.Uint32 // round-robin for runs scheduled from outside a worker

	mu      sync.Mutex // guards running and parking
	cond    *sync.Cond
	idle    atomic.Int32 // workers parked or about to park
	running bool
	wg      sync.WaitGroup
	onIdle  func() // run by a worker that finds no work, before it parks
}

type worker struct {
	mu   sync.Mutex
	ring []*Session // a FIFO of n sessions from head, len(ring) a power of two
	head int
	n    int
	_    [16]byte // the queue on the first 64-byte line, counts on the second

	// Events posted by handlers running on this worker, and events it
	// has handled; see core.pendingCount.
	counts pendingShard
}

// A worker is allocated alone in a 128-byte size class, so its two halves
// are cache lines of their own.
var _ [128 - unsafe.Sizeof(worker{})]struct{}
var _ [unsafe.Sizeof(worker{}) - 128]struct{}

// pendingShard is one share of Parallel mode's count of pending events:
// two counters that only grow, padded to a 64-byte line, so that each
// core counts its events without bouncing a shared line.
type pendingShard struct {
	posted, done atomic.Int64
	_            [48]byte
}

// put queues s; w.mu must be held.
func (w *worker) put(s *Session) {
	if w.n == len(w.ring) {
		grown := make([]*Session, max(2*len(w.ring), 16))
		for i := 0; i < w.n; i++ {
			grown[i] = w.ring[(w.head+i)&(len(w.ring)-1)]
		}
		w.ring, w.head = grown, 0
	}
	w.ring[(w.head+w.n)&(len(w.ring)-1)] = s
	w.n++
}

// take unqueues the oldest session; w.mu must be held and w.n > 0.
func (w *worker) take() *Session {
	s := w.ring[w.head]
	w.ring[w.head] = nil
	w.head = (w.head + 1) & (len(w.ring) - 1)
	w.n--
	return s
}

func newWorkerPool(n int) *workerPool {
	p := &workerPool{workers: make([]*worker, max(n, 1))}
	for i := range p.workers {
		p.workers[i] = &worker{}
	}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// sessionDispatcher is a session as its own mailbox's actor.Dispatcher, so
// that the pool knows which session a run is for. A type of its own keeps
// Schedule out of Session's methods.
type sessionDispatcher Session

// Schedule implements actor.Dispatcher: fn runs the mailbox. The mailbox
// schedules itself only when idle, so s is in at most one run queue at a
// time.
func (d *sessionDispatcher) Schedule(fn func()) {
	s := (*Session)(d)
	s.runFn = fn
	p := s.c.par.pool
	w := s.hint.Load()
	if w == nil {
		w = p.workers[p.rr.Add(1)%uint32(len(p.workers))]
	}
	w.mu.Lock()
	w.put(s)
	w.mu.Unlock()
	if p.idle.Load() > 0 {
		p.mu.Lock()
		p.cond.Signal()
		p.mu.Unlock()
	}
}

// Throughput implements actor.Dispatcher: events a mailbox handles before
// it lets other goroutines run.
func (d *sessionDispatcher) Throughput() int { return 64 }

func (w *worker) pop() *Session {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == 0 {
		return nil
	}
	return w.take()
}

// stealInto moves half of w's queue, at least one, to thief's, and
// returns the first of them for thief to run.
func (w *worker) stealInto(thief *worker) *Session {
	var buf [32]*Session
	w.mu.Lock()
	k := min((w.n+1)/2, len(buf))
	for i := 0; i < k; i++ {
		buf[i] = w.take()
	}
	w.mu.Unlock()
	if k == 0 {
		return nil
	}
	if k > 1 {
		thief.mu.Lock()
		for _, s := range buf[1:k] {
			thief.put(s)
		}
		thief.mu.Unlock()
	}
	return buf[0]
}

func (p *workerPool) start() {
	p.mu.Lock()
	p.running = true
	p.mu.Unlock()
	for _, w := range p.workers {
		p.wg.Add(1)
		go p.work(w)
	}
}

// next returns a session to run for w: its own queue first, then half of
// another's.
func (p *workerPool) next(w *worker) *Session {
	if s := w.pop(); s != nil {
		return s
	}
	for _, v := range p.workers {
		if v != w {
			if s := v.stealInto(w); s != nil {
				return s
			}
		}
	}
	return nil
}

func (p *workerPool) work(w *worker) {
	defer p.wg.Done()
	for n := 0; ; n++ {
		if n&63 == 63 {
			// Let the scheduler in: a worker that never blocks
			// would keep the garbage collector's mark phase, and
			// its write barriers, going for milliseconds.
			runtime.Gosched()
		}
		s := p.next(w)
		if s == nil && p.onIdle != nil {
			// Out of work: if every worker is, IDLE may be due.
			p.onIdle()
			s = p.next(w)
		}
		if s == nil {
			// Park. Schedule reads idle after queueing, and next is
			// tried again after idle is raised, so a run queued
			// meanwhile is found either way.
			p.mu.Lock()
			p.idle.Add(1)
			for p.running {
				if s = p.next(w); s != nil {
					break
				}
				p.cond.Wait()
			}
			p.idle.Add(-1)
			running := p.running
			p.mu.Unlock()
			if !running {
				return
			}
		}
		s.hint.Store(w)
		s.runner = w
		s.runFn()
	}
}

func (p *workerPool) stop() {
	p.mu.Lock()
	p.running = false
	p.mu.Unlock()
	p.cond.Broadcast()
	p.wg.Wait()
	for _, w := range p.workers {
		w.mu.Lock()
		clear(w.ring)
		w.head, w.n = 0, 0
		w.mu.Unlock()
	}
}
