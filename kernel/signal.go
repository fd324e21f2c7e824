package kernel

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Signal kinds, as POE's SIGTYPE_*.
const (
	sigBenign = iota
	sigTerminal
	sigNonmaskable
)

func sigType(name string) int {
	switch name {
	case "QUIT", "INT", "KILL", "TERM", "HUP", "IDLE", "DIE":
		return sigTerminal
	case "ZOMBIE", "UIDESTROY":
		return sigNonmaskable
	}
	return sigBenign
}

// osSignals are the OS signals a session can watch with Sig. CHLD is not
// among them: Go's os/exec reaps children itself, so child exits reach the
// kernel through ChildExit (wheel.Run calls it) with their PID and status.
var osSignals = map[string]os.Signal{
	"INT":   syscall.SIGINT,
	"TERM":  syscall.SIGTERM,
	"HUP":   syscall.SIGHUP,
	"USR1":  syscall.SIGUSR1,
	"USR2":  syscall.SIGUSR2,
	"QUIT":  syscall.SIGQUIT,
	"PIPE":  syscall.SIGPIPE,
	"WINCH": syscall.SIGWINCH,
	"ALRM":  syscall.SIGALRM,
	"CONT":  syscall.SIGCONT,
	"TSTP":  syscall.SIGTSTP,
}

type sigWatch struct {
	event string
	args  []any
}

type signals struct {
	count    map[string]int // watchers per signal name
	pidWatch map[int][]*Session
	pidCount int

	// State of the signal being dispatched.
	handled bool

	// The OS bridge: one channel, re-subscribed when the watched set
	// changes, and one goroutine that turns OS signals into posts.
	osMu      sync.Mutex
	osCh      chan os.Signal
	osDone    chan struct{}
	osWatched []os.Signal
}

func (g *signals) init() {
	g.count = make(map[string]int)
	g.pidWatch = make(map[int][]*Session)
}

// Sig makes the current session handle signal with event; an empty event
// removes the watcher. args are appended to the signal's arguments. A
// watcher does not keep the session alive. Call it from a handler.
func (k *Kernel) Sig(sig, event string, args ...any) {
	c := k.c
	s := k.cur()
	if s == c.kses || s.dead || sig == "" {
		return
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	if event == "" {
		x := s.ex()
		if _, ok := x.sigs[sig]; ok {
			delete(x.sigs, sig)
			c.sig.unwatch(c, sig)
		}
		return
	}
	x := s.exw()
	if x.sigs == nil {
		x.sigs = make(map[string]sigWatch)
	}
	if _, ok := x.sigs[sig]; !ok {
		c.sig.watch(c, sig)
	}
	x.sigs[sig] = sigWatch{event: event, args: args}
}

// SigHandled marks the signal being dispatched as handled, so that a
// terminal signal does not stop the sessions it reached.
func (k *Kernel) SigHandled() {
	if ch := k.chain(); ch != nil {
		ch.sigHandled = true
		return
	}
	k.c.sig.handled = true
}

// Signal queues signal for dest and its descendants, with args after the
// signal's name. Signalling the kernel (k.Outside().Session() or the ID 0)
// reaches every session. It may be called from any goroutine.
func (k *Kernel) Signal(dest any, sig string, args ...any) error {
	c := k.c
	if sig == "" {
		return ErrInvalid
	}
	s := c.resolve(dest)
	if s == nil {
		return ErrNoSuchSession
	}
	return c.enqueue(s, c.senderFor(k.s), "_signal", etSignal, append([]any{sig}, args...), 0, 1)
}

// SigChild makes the current session receive event when the child process
// pid exits, with ARG0 "CHLD", ARG1 the PID and ARG2 the exit status. The
// watch keeps the session alive until then; an empty event removes it.
func (k *Kernel) SigChild(pid int, event string, args ...any) {
	c := k.c
	s := k.cur()
	if s == c.kses || s.dead {
		return
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	if event == "" {
		if _, ok := s.ex().pids[pid]; ok {
			c.sig.pidIgnore(c, s, pid)
		}
		return
	}
	x := s.exw()
	if x.pids == nil {
		x.pids = make(map[int]struct{})
	}
	if _, ok := x.pids[pid]; !ok {
		x.pids[pid] = struct{}{}
		c.sig.pidWatch[pid] = append(c.sig.pidWatch[pid], s)
		c.sig.pidCount++
		c.refInc(s)
	}
	if x.sigs == nil {
		x.sigs = make(map[string]sigWatch)
	}
	x.sigs[pidKey(pid)] = sigWatch{event: event, args: args}
}

func pidKey(pid int) string { return fmt.Sprintf("\x00pid %d", pid) }

// ChildExit tells the kernel that child process pid exited with status:
// SigChild watchers of pid get their events and CHLD watchers the CHLD
// signal. wheel.Run calls it after reaping its child; call it yourself for
// processes you wait for. It may be called from any goroutine.
func (k *Kernel) ChildExit(pid, status int) error {
	c := k.c
	return c.enqueue(c.kses, c.kses, "_sigchld", etControl, []any{pid, status}, 0, 1)
}

func (g *signals) pidIgnore(c *core, s *Session, pid int) {
	x := s.ex()
	delete(x.pids, pid)
	delete(x.sigs, pidKey(pid))
	g.pidWatch[pid] = removeSession(g.pidWatch[pid], s)
	if len(g.pidWatch[pid]) == 0 {
		delete(g.pidWatch, pid)
	}
	g.pidCount--
	c.refDec(s)
}

// childExited is the loop's half of ChildExit, POE's _data_sig_reap_pids.
func (c *core) childExited(pid, status int) {
	type note struct {
		s    *Session
		ev   string
		args []any
	}
	var notes []note
	c.smu.Lock()
	for _, s := range c.sig.pidWatch[pid] {
		w := s.ex().sigs[pidKey(pid)]
		notes = append(notes, note{s, w.event, append([]any{"CHLD", pid, status}, w.args...)})
	}
	c.smu.Unlock()
	for _, n := range notes {
		_, _ = c.push(n.s, c.kses, n.ev, etSigChld, n.args, 0, nil, "")
		c.smu.Lock()
		c.sig.pidIgnore(c, n.s, pid)
		c.smu.Unlock()
	}
	_, _ = c.push(c.kses, c.kses, "_signal", etSignal, []any{"CHLD", pid, status}, 0, nil, "")
}

func (g *signals) watch(c *core, sig string) {
	g.count[sig]++
	if g.count[sig] == 1 {
		if _, ok := osSignals[sig]; ok {
			g.resubscribe(c)
		}
	}
}

func (g *signals) unwatch(c *core, sig string) {
	g.count[sig]--
	if g.count[sig] <= 0 {
		delete(g.count, sig)
		if _, ok := osSignals[sig]; ok {
			g.resubscribe(c)
		}
	}
}

// watchKernel registers the kernel's own watcher (IDLE, for ZOMBIE).
func (g *signals) watchKernel(c *core, sig string) {
	x := c.kses.exw()
	if x.sigs == nil {
		x.sigs = make(map[string]sigWatch)
	}
	x.sigs[sig] = sigWatch{event: "_signal"}
}

func (g *signals) clearSession(c *core, s *Session) {
	x := s.extras.Load()
	if x == nil {
		return
	}
	for name := range x.sigs {
		if len(name) > 0 && name[0] == 0 {
			continue
		}
		g.unwatch(c, name)
	}
	for pid := range x.pids {
		g.pidIgnore(c, s, pid)
	}
	x.sigs = nil
}

// resubscribe points the OS bridge at the signals watched now.
func (g *signals) resubscribe(c *core) {
	var want []os.Signal
	for name := range g.count {
		if sig, ok := osSignals[name]; ok {
			want = append(want, sig)
		}
	}
	g.osMu.Lock()
	defer g.osMu.Unlock()
	if g.osCh != nil {
		signal.Stop(g.osCh)
		close(g.osDone)
		g.osCh, g.osDone = nil, nil
	}
	g.osWatched = want
	if len(want) == 0 {
		return
	}
	ch := make(chan os.Signal, 8)
	done := make(chan struct{})
	g.osCh, g.osDone = ch, done
	signal.Notify(ch, want...)
	go func() {
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				if name := osSignalName(sig); name != "" {
					_ = c.enqueue(c.kses, c.kses, "_signal", etSignal, []any{name}, 0, 0)
				}
			}
		}
	}()
}

func osSignalName(sig os.Signal) string {
	for name, s := range osSignals {
		if s == sig {
			return name
		}
	}
	return ""
}

// finalize forgets all watchers and stops the OS bridge.
func (g *signals) finalize(c *core) {
	clear(g.count)
	if x := c.kses.extras.Load(); x != nil {
		x.sigs = nil
	}
	g.osMu.Lock()
	if g.osCh != nil {
		signal.Stop(g.osCh)
		close(g.osDone)
		g.osCh, g.osDone = nil, nil
	}
	g.osMu.Unlock()
}

// dispatchSignal is POE's _dispatch_signal_event: the target and its
// descendants (and, for DIE, its ancestors) are touched; watchers among them
// get the signal deepest first; then a terminal signal nobody handled, or a
// non-maskable one, stops every touched session, deepest first.
func (c *core) dispatchSignal(ch *chain, e *event) {
	if e.typ&etControl != 0 {
		return
	}
	sig, _ := e.args[0].(string)
	c.smu.Lock()
	touched := []*Session{e.dest}
	for i := 0; i < len(touched); i++ {
		touched = touched[i].appendChildren(touched)
	}
	if sig == "DIE" {
		for p := e.dest.parent; p != nil && p != c.kses; p = p.parent {
			touched = append([]*Session{p}, touched...)
		}
	}
	type delivery struct {
		s *Session
		w sigWatch
	}
	var deliveries []delivery
	for i := len(touched) - 1; i >= 0; i-- {
		if w, ok := touched[i].ex().sigs[sig]; ok {
			deliveries = append(deliveries, delivery{touched[i], w})
		}
	}
	c.smu.Unlock()

	var inner error
	var handled bool
	if ch != nil {
		saved := ch.sigHandled
		ch.sigHandled = false
		for _, d := range deliveries {
			args := append(append([]any(nil), e.args...), d.w.args...)
			c.dispatch(ch, d.s, c.kses, d.w.event, e.typ, args, e.at, e.from)
		}
		handled = ch.sigHandled
		ch.sigHandled = saved
	} else {
		savedHandled := c.sig.handled
		c.sig.handled = false
		prior := c.takeException()
		for _, d := range deliveries {
			args := append(append([]any(nil), e.args...), d.w.args...)
			c.dispatch(nil, d.s, c.kses, d.w.event, e.typ, args, e.at, e.from)
		}
		handled = c.sig.handled
		c.sig.handled = savedHandled
		inner = c.takeException()
		if prior != nil {
			c.recordException(prior)
		}
	}
	kind := sigType(sig)
	if kind == sigNonmaskable || (kind == sigTerminal && !handled) {
		for i := len(touched) - 1; i >= 0; i-- {
			c.stopSession(ch, touched[i])
		}
	}
	if sig == "DIE" && !handled {
		// The original error comes first, then any raised by the
		// handlers of its DIE, as POE's "Additional error thrown in
		// handler for previous error".
		var orig error
		if x, ok := e.args[1%len(e.args)].(*Exception); ok && len(e.args) > 1 {
			orig = x
		} else {
			orig = fmt.Errorf("kernel: unhandled DIE signal %v", e.args[1:])
		}
		if inner != nil {
			orig = errors.Join(orig, inner)
		}
		c.recordException(orig)
	} else if inner != nil {
		c.recordException(inner)
	}
}
