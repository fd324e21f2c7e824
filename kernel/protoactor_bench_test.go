package kernel_test

import (
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// BenchmarkProtoactorPairs is the floor under BenchmarkPairs/parallel:
// the same 8 independent ping-pong pairs as bare protoactor-go actors
// (default mailboxes and dispatcher, no kernel). Each op is one message.
func BenchmarkProtoactorPairs(b *testing.B) {
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
	defer sys.Shutdown()
	type ping struct {
		n    int
		from *actor.PID
	}
	const pairs = 8
	rounds := max(b.N/(2*pairs), 1)
	var wg sync.WaitGroup
	wg.Add(pairs)
	ctx := sys.Root
	var pongs [pairs]*actor.PID
	var pingers [pairs]*actor.PID
	for i := 0; i < pairs; i++ {
		pongs[i] = ctx.Spawn(actor.PropsFromFunc(func(c actor.Context) {
			if m, ok := c.Message().(*ping); ok {
				c.Send(m.from, &ping{n: m.n, from: c.Self()})
			}
		}))
		pingers[i] = ctx.Spawn(actor.PropsFromFunc(func(c actor.Context) {
			if m, ok := c.Message().(*ping); ok {
				if m.n < rounds {
					c.Send(m.from, &ping{n: m.n + 1, from: c.Self()})
				} else {
					wg.Done()
				}
			}
		}))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < pairs; i++ {
		ctx.Send(pongs[i], &ping{n: 1, from: pingers[i]})
	}
	wg.Wait()
	b.StopTimer()
	for i := 0; i < pairs; i++ {
		ctx.Stop(pongs[i])
		ctx.Stop(pingers[i])
	}
}

// inlineDispatcher runs a mailbox's run at once, on the poster's
// goroutine: no queue, no other goroutine.
type inlineDispatcher struct{}

func (inlineDispatcher) Schedule(fn func()) { fn() }
func (inlineDispatcher) Throughput() int    { return 64 }

// countInvoker counts the messages a mailbox hands it.
type countInvoker struct{ n int }

func (c *countInvoker) InvokeSystemMessage(any)  {}
func (c *countInvoker) InvokeUserMessage(any)    { c.n++ }
func (c *countInvoker) EscalateFailure(any, any) {}

// BenchmarkProtoactorMailbox is what protoactor's mailbox costs a
// message by itself, the part of every Parallel mode event that no
// dispatcher can save: post to an Unbounded mailbox (Parallel mode's)
// whose run happens at once on the same goroutine. Each op is one
// message, on one core.
func BenchmarkProtoactorMailbox(b *testing.B) {
	mb := actor.Unbounded()()
	inv := &countInvoker{}
	mb.RegisterHandlers(inv, inlineDispatcher{})
	mb.Start()
	msg := &struct{ n int }{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mb.PostUserMessage(msg)
	}
	b.StopTimer()
	if inv.n != b.N {
		b.Fatalf("%d messages handled, want %d", inv.n, b.N)
	}
}
