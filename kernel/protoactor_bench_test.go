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
