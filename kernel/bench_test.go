package kernel_test

import (
	"fmt"
	"testing"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// BenchmarkPostPingPong posts an event back and forth between two sessions:
// each op is one post and one dispatch.
func BenchmarkPostPingPong(b *testing.B) {
	k := kernel.New()
	n := b.N
	_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("pong"); return nil },
		"ping": func(e *kernel.Event) any {
			e.Kernel.Post(e.Sender, "pong")
			return nil
		},
		"stop": func(e *kernel.Event) any { e.Kernel.AliasRemove("pong"); return nil },
	}})
	if err != nil {
		b.Fatal(err)
	}
	_, err = session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Post("pong", "ping"); return nil },
		"pong": func(e *kernel.Event) any {
			n -= 2
			if n > 0 {
				e.Kernel.Post(e.Sender, "ping")
			} else {
				e.Kernel.Post(e.Sender, "stop")
			}
			return nil
		},
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := k.Run(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkYield yields an event to the same session in a loop.
func BenchmarkYield(b *testing.B) {
	k := kernel.New()
	n := b.N
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("next"); return nil },
		"next": func(e *kernel.Event) any {
			if n--; n > 0 {
				e.Kernel.Yield("next")
			}
			return nil
		},
	}})
	b.ReportAllocs()
	b.ResetTimer()
	k.Run()
}

// BenchmarkCreateAliasSession creates sessions that each hold an alias.
func BenchmarkCreateAliasSession(b *testing.B) {
	k := kernel.New()
	names := make([]string, b.N)
	for i := range names {
		names[i] = fmt.Sprint("s", i)
	}
	states := kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet(e.Args[0].(string)); return nil },
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := session.Create(session.Options{Kernel: k, InlineStates: states, Args: []any{names[i]}}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	k.Stop()
}

// BenchmarkPairs runs 8 independent ping-pong pairs, serial and parallel:
// each op is one event.
func BenchmarkPairs(b *testing.B) {
	for _, mode := range bothModes {
		b.Run(mode.name, func(b *testing.B) {
			k := kernel.New(mode.opts...)
			pingPongPairs(b, k, 8, max(b.N/16, 1))
			b.ReportAllocs()
			b.ResetTimer()
			if err := k.Run(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkFanOutIn posts work from one session to 16 workers, which
// answer back: each op is one request and its answer.
func BenchmarkFanOutIn(b *testing.B) {
	for _, mode := range bothModes {
		b.Run(mode.name, func(b *testing.B) {
			k := kernel.New(mode.opts...)
			const workers = 16
			for i := 0; i < workers; i++ {
				name := fmt.Sprint("w", i)
				create(b, k, kernel.States{
					"_start": func(e *kernel.Event) any { e.Kernel.AliasSet(name); return nil },
					"work": func(e *kernel.Event) any {
						sum := 0
						for j := 0; j < 200; j++ {
							sum += j * e.Args[0].(int)
						}
						e.Kernel.Post(e.Sender, "done", sum)
						return nil
					},
					"bye": func(e *kernel.Event) any { e.Kernel.AliasRemove(name); return nil },
				})
			}
			left, sent := b.N, 0
			create(b, k, kernel.States{
				"_start": func(e *kernel.Event) any {
					for ; sent < min(b.N, 256); sent++ {
						e.Kernel.Post(fmt.Sprint("w", sent%workers), "work", sent)
					}
					return nil
				},
				"done": func(e *kernel.Event) any {
					if left--; left == 0 {
						for i := 0; i < workers; i++ {
							e.Kernel.Post(fmt.Sprint("w", i), "bye")
						}
					} else if sent < b.N {
						e.Kernel.Post(e.Sender, "work", sent)
						sent++
					}
					return nil
				},
			})
			b.ReportAllocs()
			b.ResetTimer()
			if err := k.Run(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkCall calls a handler of another session and of the caller's
// own session, in both modes, in a loop: a wheel's input event calls its
// session's own handler so.
func BenchmarkCall(b *testing.B) {
	for _, m := range bothModes {
		for _, self := range []bool{false, true} {
			name := m.name + "/other"
			if self {
				name = m.name + "/self"
			}
			b.Run(name, func(b *testing.B) {
				k := kernel.New(m.opts...)
				add := func(e *kernel.Event) any { return e.Args[0].(int) + e.Args[1].(int) }
				session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
					"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("target"); return nil },
					"add":    add,
					"done":   func(e *kernel.Event) any { e.Kernel.AliasRemove("target"); return nil },
				}})
				session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
					"_start": func(e *kernel.Event) any { e.Kernel.Yield("go"); return nil },
					"add":    add,
					"go": func(e *kernel.Event) any {
						var target any = e.Kernel.AliasResolve("target")
						if self {
							target = e.Session
						}
						b.ReportAllocs()
						b.ResetTimer()
						sum := 0
						for i := 0; i < b.N; i++ {
							v, _ := e.Kernel.Call(target, "add", 1, 2)
							sum += v.(int)
						}
						b.StopTimer()
						if sum != 3*b.N {
							b.Fatalf("sum = %d, want %d", sum, 3*b.N)
						}
						e.Kernel.Post("target", "done")
						return nil
					},
				}})
				k.Run()
			})
		}
	}
}
