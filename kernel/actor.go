package kernel

import (
	"io"
	"log/slog"
	"strconv"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// actorGlue ties sessions to protoactor-go. A session is a protoactor
// Process (it receives messages sent to its PID) and a MessageInvoker (a
// protoactor mailbox can run its handlers). In POE-faithful mode its
// mailbox is the kernel's ordered queue and the kernel loop is the
// invoker's only caller; in Parallel mode it is a protoactor mailbox with
// protoactor's dispatcher.
//
// The ActorSystem is made on first use and a session joins its process
// registry when its PID is first asked for: registering costs more than
// the rest of creating a session, and most sessions are never addressed
// from outside the kernel.
type actorGlue struct {
	mu     sync.Mutex
	system *actor.ActorSystem
}

func (g *actorGlue) actorSystem() *actor.ActorSystem {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.system == nil {
		g.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
			return slog.New(slog.NewTextHandler(io.Discard, nil))
		}))
	}
	return g.system
}

// ActorSystem returns the protoactor-go actor system the kernel's sessions
// belong to. It may be called from any goroutine.
func (k *Kernel) ActorSystem() *actor.ActorSystem { return k.c.actors.actorSystem() }

// PID returns the session's protoactor PID, registering the session with
// the kernel's ActorSystem on first use. A protoactor actor can then send
// it a kernel.Message (posted as that event) or any other value (posted as
// the event "_message" with the value as ARG0). It may be called from any
// goroutine; it returns nil after the session has stopped.
func (s *Session) PID() *actor.PID {
	x := s.exw()
	x.actorMu.Lock()
	defer x.actorMu.Unlock()
	if x.pid != nil {
		return x.pid
	}
	if !s.Alive() {
		return nil
	}
	sys := s.c.actors.actorSystem()
	pid, ok := sys.ProcessRegistry.Add(s, "poe-session-"+strconv.Itoa(s.id)+"-"+s.c.id)
	if !ok {
		return nil
	}
	x.pid = pid
	return pid
}

// Message is a POE event sent to a session's PID from protoactor code.
type Message struct {
	Event string
	Args  []any
}

// SendUserMessage implements actor.Process: a message sent to the session's
// PID is posted to it with the kernel's session as SENDER.
func (s *Session) SendUserMessage(_ *actor.PID, message any) {
	if env, ok := message.(*actor.MessageEnvelope); ok {
		message = env.Message
	}
	c := s.c
	switch m := message.(type) {
	case Message:
		_ = c.enqueue(s, c.kses, m.Event, etPost, m.Args, 0, 1)
	case *Message:
		_ = c.enqueue(s, c.kses, m.Event, etPost, m.Args, 0, 1)
	default:
		_ = c.enqueue(s, c.kses, "_message", etPost, []any{message}, 0, 1)
	}
}

// SendSystemMessage implements actor.Process. Sessions have no protoactor
// supervision: their lifetime is POE's, so system messages are ignored.
func (s *Session) SendSystemMessage(*actor.PID, any) {}

// Stop implements actor.Process: stopping a session's PID sends it the
// non-maskable UIDESTROY signal, which stops it and its descendants.
func (s *Session) Stop(*actor.PID) {
	_ = s.c.enqueue(s, s.c.kses, "_signal", etSignal, []any{"UIDESTROY"}, 0, 1)
}

// release takes a stopped session out of the process registry.
func (g *actorGlue) release(s *Session) {
	x := s.extras.Load()
	if x == nil {
		return
	}
	x.actorMu.Lock()
	pid := x.pid
	x.pid = nil
	x.actorMu.Unlock()
	if pid != nil {
		g.mu.Lock()
		sys := g.system
		g.mu.Unlock()
		if sys != nil {
			sys.ProcessRegistry.Remove(pid)
		}
	}
}

// shutdown ends the actor system when Run ends; the next use makes another.
func (g *actorGlue) shutdown() {
	g.mu.Lock()
	sys := g.system
	g.system = nil
	g.mu.Unlock()
	if sys != nil {
		sys.Shutdown()
	}
}
