package kernel_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed02617006/poe/kernel"
)

// runWithin runs k and fails the test if Run does not return in time.
func runWithin(t *testing.T, k *kernel.Kernel, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		k.Outside().Stop()
		<-done
		t.Fatalf("Run did not return within %v", d)
		return nil
	}
}

// bothModes are the kernel modes that tests and benchmarks run in turn.
var bothModes = []struct {
	name string
	opts []kernel.Option
}{{"serial", []kernel.Option{kernel.Serial()}}, {"parallel", []kernel.Option{kernel.Parallel()}}}

// pingPongPairs makes n pairs of sessions that post an event back and
// forth rounds times each.
func pingPongPairs(t testing.TB, k *kernel.Kernel, n, rounds int) (pongs func() int) {
	// Each pair counts on its own cache line: a shared counter would
	// make the pairs dependent.
	type counter struct {
		n int
		_ [56]byte
	}
	counts := make([]*counter, n)
	for i := 0; i < n; i++ {
		count := &counter{}
		counts[i] = count
		name := fmt.Sprint("pong", i)
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.AliasSet(name); return nil },
			"ping": func(e *kernel.Event) any {
				e.Kernel.Post(e.Sender, "pong", e.Args[0])
				return nil
			},
			"bye": func(e *kernel.Event) any { e.Kernel.AliasRemove(name); return nil },
		})
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.Post(name, "ping", 1); return nil },
			"pong": func(e *kernel.Event) any {
				count.n++
				if n := e.Args[0].(int); n < rounds {
					e.Kernel.Post(e.Sender, "ping", n+1)
				} else {
					e.Kernel.Post(e.Sender, "bye")
				}
				return nil
			},
		})
	}
	return func() int {
		sum := 0
		for _, c := range counts {
			sum += c.n
		}
		return sum
	}
}

func TestParallelPingPongPairs(t *testing.T) {
	k := kernel.New(kernel.Parallel())
	pongs := pingPongPairs(t, k, 8, 500)
	if err := runWithin(t, k, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := pongs(); got != 8*500 {
		t.Errorf("pongs = %d, want %d", got, 8*500)
	}
	if k.SessionCount() != 0 {
		t.Errorf("SessionCount() = %d after Run, want 0", k.SessionCount())
	}
}

func TestParallelCallIsReentrant(t *testing.T) {
	k := kernel.New(kernel.Parallel())
	var got any
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("b")
			e.Kernel.Delay("bye", 50*time.Millisecond)
			return nil
		},
		"double": func(e *kernel.Event) any {
			// B calls back into A, which is mid-call on this chain.
			v, err := e.Kernel.Call(e.Sender, "base")
			if err != nil {
				return err
			}
			return v.(int) * 2
		},
		"bye": func(e *kernel.Event) any { e.Kernel.AliasRemove("b"); return nil },
	})
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("go"); return nil },
		"go": func(e *kernel.Event) any {
			got, _ = e.Kernel.Call("b", "double")
			return nil
		},
		"base": func(e *kernel.Event) any { return 21 },
	})
	if err := runWithin(t, k, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got != 42 {
		t.Errorf("A calls B calls A = %v, want 42", got)
	}
}

func TestParallelCallCycleIsErrDeadlock(t *testing.T) {
	k := kernel.New(kernel.Parallel())
	var inA, inB sync.WaitGroup
	inA.Add(1)
	inB.Add(1)
	var errs [2]error
	var ret [2]any
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("a"); e.Kernel.Yield("go"); return nil },
		"go": func(e *kernel.Event) any {
			inA.Done()
			inB.Wait() // both chains now hold their own session
			ret[0], errs[0] = e.Kernel.Call("b", "hello")
			e.Kernel.AliasRemove("a")
			return nil
		},
		"hello": func(e *kernel.Event) any { return "from a" },
	})
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("b"); e.Kernel.Yield("go"); return nil },
		"go": func(e *kernel.Event) any {
			inB.Done()
			inA.Wait()
			ret[1], errs[1] = e.Kernel.Call("a", "hello")
			e.Kernel.AliasRemove("b")
			return nil
		},
		"hello": func(e *kernel.Event) any { return "from b" },
	})
	if err := runWithin(t, k, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	deadlocks := 0
	for i, err := range errs {
		if errors.Is(err, kernel.ErrDeadlock) {
			deadlocks++
		} else if err != nil {
			t.Errorf("call %d = %v", i, err)
		}
	}
	if deadlocks != 1 {
		t.Errorf("calls = %v %v / %v, want exactly one ErrDeadlock and one success", ret, errs[0], errs[1])
	}
}

func TestParallelIdleTimersAndDie(t *testing.T) {
	k := kernel.New(kernel.Parallel())
	var mu sync.Mutex
	var log []string
	add := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("only-alias")
			e.Kernel.Sig("IDLE", "idle")
			e.Kernel.Delay("second", 40*time.Millisecond)
			e.Kernel.Delay("first", 20*time.Millisecond)
			return nil
		},
		"first":  func(e *kernel.Event) any { add("first"); return nil },
		"second": func(e *kernel.Event) any { add("second"); return nil },
		"idle":   func(e *kernel.Event) any { add("idle"); return nil },
		"_stop":  func(e *kernel.Event) any { add("stop"); return nil },
	})
	if err := runWithin(t, k, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(log); got != "[first second idle stop]" {
		t.Errorf("events = %s, want [first second idle stop]", got)
	}

	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("boom"); return nil },
		"boom":   func(e *kernel.Event) any { panic("parallel boom") },
	})
	err := runWithin(t, k, 10*time.Second)
	var x *kernel.Exception
	if !errors.As(err, &x) || x.Err.Error() != "parallel boom" {
		t.Errorf("Run() = %v, want the handler's panic as *kernel.Exception", err)
	}
}
func TestParallelTimerSetInHandler(t *testing.T) {
	k := kernel.New(kernel.Parallel())
	fired := make(chan struct{}, 1)
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("arm"); return nil },
		"arm":    func(e *kernel.Event) any { e.Kernel.Delay("ring", 30*time.Millisecond); return nil },
		"ring":   func(e *kernel.Event) any { fired <- struct{}{}; return nil },
	})
	if err := runWithin(t, k, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-fired:
	default:
		t.Fatal("a timer set in a handler never fired")
	}
}

// Stopping sessions that still have timers removes those timers from the
// heap one by one; the walk over the heap must survive its reordering.
func TestStopWithTimersQueued(t *testing.T) {
	for _, mode := range bothModes {
		t.Run(mode.name, func(t *testing.T) {
			k := kernel.New(mode.opts...)
			for i := 0; i < 3; i++ {
				create(t, k, kernel.States{
					"_start": func(e *kernel.Event) any {
						for j := 0; j < 4; j++ {
							e.Kernel.Delay(fmt.Sprint("later", j), time.Hour)
						}
						e.Kernel.Yield("tick")
						return nil
					},
					"tick": func(e *kernel.Event) any {
						if i == 2 {
							e.Kernel.Stop()
						}
						return nil
					},
				})
			}
			if err := runWithin(t, k, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if n := k.SessionCount(); n != 0 {
				t.Errorf("SessionCount() = %d after Stop, want 0", n)
			}
		})
	}
}

// A child that detaches itself in its _start gives its parent no "lose"
// (there was no "create" yet), and ActiveEvent names the handler's event,
// in both modes.
func TestDetachInStartBothModes(t *testing.T) {
	for _, mode := range bothModes {
		t.Run(mode.name, func(t *testing.T) {
			k := kernel.New(mode.opts...)
			var mu sync.Mutex
			var got []string
			note := func(s string) {
				mu.Lock()
				got = append(got, s)
				mu.Unlock()
			}
			create(t, k, kernel.States{
				"_start": func(e *kernel.Event) any {
					create(t, e.Kernel, kernel.States{
						"_start": func(e *kernel.Event) any {
							note("child in " + e.Kernel.ActiveEvent())
							if err := e.Kernel.DetachMyself(); err != nil {
								t.Errorf("DetachMyself() = %v", err)
							}
							e.Kernel.Yield("later")
							return nil
						},
						"later": func(e *kernel.Event) any {
							note("child in " + e.Kernel.ActiveEvent())
							return nil
						},
					})
					return nil
				},
				"_child": func(e *kernel.Event) any {
					note(fmt.Sprint("parent _child ", e.Args[0]))
					return nil
				},
			})
			if err := runWithin(t, k, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			want := []string{"child in _start", "child in later"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// Many sessions each set a timer in _start while short-lived sessions
// die around them, so that other workers sweep while those _start
// handlers run: every timer fires once, no session is collected before
// its _start has given it something.
func TestParallelManyTimersFire(t *testing.T) {
	k := kernel.New(kernel.Parallel())
	const n = 300
	var fired atomic.Int32
	// Two spawners, so that one creates while the other's short-lived
	// children are swept on the other worker.
	for sp := 0; sp < 2; sp++ {
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.Yield("spawn", 0); return nil },
			"spawn": func(e *kernel.Event) any {
				i := e.Args[0].(int)
				if i >= n/2 {
					return nil
				}
				create(t, e.Kernel, kernel.States{"_start": func(e *kernel.Event) any { return nil }})
				create(t, e.Kernel, kernel.States{
					"_start": func(e *kernel.Event) any {
						for j := 0; j < 20; j++ {
							runtime.Gosched()
						}
						e.Kernel.Delay("timeout", time.Duration(20+i%7)*time.Millisecond)
						return nil
					},
					"timeout": func(e *kernel.Event) any {
						fired.Add(1)
						return nil
					},
				})
				e.Kernel.Yield("spawn", i+1)
				return nil
			},
		})
	}
	if err := runWithin(t, k, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := fired.Load(); got != n {
		t.Errorf("%d timers fired, want %d", got, n)
	}
}

// A session created with no kernel given, from a handler of a running
// Parallel kernel, joins that kernel (with the kernel as its parent).
func TestParallelCurrentIsTheRunningKernel(t *testing.T) {
	k := kernel.New(kernel.Parallel())
	var got atomic.Value
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("spawn"); return nil },
		"spawn": func(e *kernel.Event) any {
			s, err := kernel.Current().CreateSession(kernel.SessionSpec{States: kernel.States{
				"_start": func(e *kernel.Event) any { return nil },
			}})
			if err != nil || s == nil {
				t.Errorf("CreateSession through Current() = %v, %v", s, err)
				return nil
			}
			got.Store(s.Kernel().ID())
			return nil
		},
	})
	if err := runWithin(t, k, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if id, _ := got.Load().(string); id != k.ID() {
		t.Errorf("the session made through Current() is on kernel %q, want the running one %q", id, k.ID())
	}
}

// Workers that run out of work together post one IDLE between them: the
// count of pending events is per core, and the test for zero and the post
// of IDLE are one step.
func TestParallelOneIdleAfterBusyWorkers(t *testing.T) {
	for round := 0; round < 20; round++ {
		k := kernel.New(kernel.Parallel())
		var idles atomic.Int32
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any {
				e.Kernel.AliasSet("watcher")
				e.Kernel.Sig("IDLE", "idle")
				return nil
			},
			"idle": func(e *kernel.Event) any { idles.Add(1); return nil },
		})
		pongs := pingPongPairs(t, k, 8, 50)
		if err := runWithin(t, k, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if pongs() != 8*50 || idles.Load() != 1 {
			t.Fatalf("round %d: %d pongs, %d IDLE signals; want %d and 1", round, pongs(), idles.Load(), 8*50)
		}
	}
}

// TestParallelCallerStateReentrant: a's "go" calls b, which calls back into
// a, whose "back" (and "boom", which panics) post to c; after each, "go"
// posts again. Every post must carry the state that made it: a handler
// nested in another of the same session gives it its record back, even
// when it panics.
func TestParallelCallerStateReentrant(t *testing.T) {
	k := kernel.New(kernel.Parallel())
	var mu sync.Mutex
	var got []string
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("c"); return nil },
		"log": func(e *kernel.Event) any {
			mu.Lock()
			got = append(got, fmt.Sprintf("%v from %s", e.Args[0], e.CallerState))
			mu.Unlock()
			return nil
		},
		"bye": func(e *kernel.Event) any { e.Kernel.AliasRemove("c"); return nil },
	})
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("b"); return nil },
		"relay":  func(e *kernel.Event) any { r, _ := e.Kernel.Call("a", e.Args[0].(string)); return r },
		"bye":    func(e *kernel.Event) any { e.Kernel.AliasRemove("b"); return nil },
	})
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("a")
			e.Kernel.Sig("DIE", "die")
			e.Kernel.Yield("go")
			return nil
		},
		"go": func(e *kernel.Event) any {
			k := e.Kernel
			k.Call("b", "relay", "back")
			k.Post("c", "log", "after back")
			k.Call("b", "relay", "boom")
			k.Post("c", "log", "after boom")
			k.Post("c", "bye")
			k.Post("b", "bye")
			k.AliasRemove("a")
			return nil
		},
		"back": func(e *kernel.Event) any { e.Kernel.Post("c", "log", "in back"); return nil },
		"boom": func(e *kernel.Event) any {
			e.Kernel.Post("c", "log", "in boom")
			panic("boom")
		},
		"die": func(e *kernel.Event) any { e.Kernel.SigHandled(); return nil },
	})
	if err := runWithin(t, k, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	want := []string{"after back from go", "after boom from go", "in back from back", "in boom from boom"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("posts (sorted) = %q, want %q", got, want)
	}
}
