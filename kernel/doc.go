// Package kernel is POE's kernel on protoactor-go actors: sessions, the
// event queue, timers, aliases, signals, parent/child lifecycle and garbage
// collection of idle sessions.
//
// A program reads like its Perl original:
//
//	session.Create(session.Options{InlineStates: kernel.States{
//		"_start": func(e *kernel.Event) any {
//			e.Kernel.Yield("next")
//			return nil
//		},
//		"next": func(e *kernel.Event) any {
//			fmt.Println("tick...")
//			e.Kernel.Delay("next", time.Second)
//			return nil
//		},
//	}})
//	kernel.Run()
//
// # Order of events
//
// By default the kernel is POE-faithful: one handler runs at a time in the
// whole kernel, and events are dispatched from one queue ordered by due
// time, ties in insertion order; posts are due when they are made. The loop
// runs in batches: a batch dispatches what was due when it started, so
// events posted during a batch wait for the next, and events from other
// goroutines (wheels' I/O) get in between batches. Sessions with nothing
// left to do are swept at the end of each batch.
//
// # Actors
//
// Every session is a protoactor-go actor.Process and actor.MessageInvoker.
// In POE-faithful mode its mailbox is the kernel's ordered queue and the
// kernel loop is its only invoker; with Parallel it has a protoactor
// mailbox run by protoactor's dispatcher. A session joins the ActorSystem's
// registry, and gets a PID that protoactor code can send to, when PID is
// first called.
//
// # Parallel mode
//
// New(Parallel()) runs sessions concurrently: each session has a
// protoactor mailbox, run by a pool of one worker per core, and handles
// one event at a time. Order is kept per sender→receiver pair. A mailbox
// is queued on the worker running the session that posted to it, so
// sessions that talk to each other stay on one core; idle workers steal.
// Posting takes no kernel-wide lock. Call is
// synchronous and re-entrant along one call chain (A calls B calls A), and
// costs a compare-and-swap more than a function call when the target is
// idle; a Call that would wait on a chain that waits on it returns
// ErrDeadlock. Timers, aliases, signals, GC, parent/child events, DIE and
// Stop keep their meaning; IDLE fires when no event is pending anywhere.
// Use e.Kernel (not the package functions or the root kernel) in handlers:
// it carries the handler's call chain, and it is how a session created in
// a handler (session.Options.Kernel) gets that handler's session as its
// parent. Session IDs are assigned in creation order; RunOneTimeslice does
// nothing. Event.CallerState is the state the sender was handling when it
// posted or called, as in POE; a post from another goroutine on the
// sender's behalf (a wheel's reader) gets a state the sender is handling
// about then (possibly the one before), or "". A session that nothing
// holds is collected once no handler runs in it: the sweep decides
// holding the session's execution lock.
//
// The environment variable POE_KERNEL=parallel (ModeEnv) makes New build
// Parallel kernels unless their options say Serial, so that a program or
// a test suite runs on every core unchanged.
//
// # Goroutines
//
// Run dispatches on the goroutine that calls it. Handlers may call every
// method. Post, Signal, ChildExit, Linger, Unlinger and Outside().Stop may
// be called from any goroutine; other methods from handlers, or from the
// goroutine that owns the kernel while Run is not running.
//
// # Differences from POE
//
//   - Session IDs are ints; the kernel's own session is 0. The kernel's ID
//     is a UUID.
//   - Children are kept in creation order, so signal delivery and
//     teardown order among siblings is deterministic (POE's is hash
//     order).
//   - Postbacks and callbacks keep their session alive until Release:
//     Go has no destructor to do it when the last reference goes.
//   - A DIE exception's File and Line are where the handler panicked.
//   - Event.CallerFile and CallerLine are recorded only with WithCallers
//     or the session's "trace" option: a stack walk per post costs more
//     than the post.
//   - CHLD comes from ChildExit (wheel.Run calls it), not from SIGCHLD,
//     because Go's os/exec reaps children itself.
//   - RunOneTimeslice does not wait for timers or I/O.
//   - Negative delays and empty event names are ErrInvalid.
//   - A handler's *Event, and the Args of a post or a Call, are valid until
//     the handler returns: the kernel reuses them, so that an event or a
//     Call allocates nothing. Keep the values (e.Kernel, e.Heap,
//     e.Args[0]), as a Perl handler keeps its lexicals and not @_. The
//     CheckEvents option (POE_EVENT_CHECK=1) finds handlers that keep one.
//   - Post and Call copy their arguments, as Perl's @_ does: a caller may
//     reuse its slice at once.
package kernel
