package kernel_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"weak"

	"github.com/seed02617006/poe/kernel"
)

// check records a failed expectation from inside a handler; t.Errorf may
// be called from a Parallel kernel's workers too.
func check(t *testing.T, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// inBothModes runs f on a new kernel of each mode, as a subtest.
func inBothModes(t *testing.T, f func(t *testing.T, k *kernel.Kernel)) {
	for _, m := range bothModes {
		t.Run(m.name, func(t *testing.T) { f(t, kernel.New(m.opts...)) })
	}
}

// Events are reused per session and nesting depth: a handler's Event must
// keep its own values while the handlers it calls, on its own session and
// on others, deeper than the cache goes, run and return.
func TestNestedEventsKeepTheirValues(t *testing.T) {
	inBothModes(t, func(t *testing.T, k *kernel.Kernel) {
		var trail []string
		// "down" calls itself until n reaches 0, then calls the
		// other session, which calls back: depths 0..5 on a.
		a := create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("a"); return nil },
			"down": func(e *kernel.Event) any {
				n := e.Args[0].(int)
				var ret any
				if n > 0 {
					ret, _ = e.Kernel.Call(e.Session, "down", n-1, "pad")
				} else {
					ret, _ = e.Kernel.Call("b", "over", 100)
				}
				check(t, fmt.Sprintf("down(%d) state after its call", n), e.State, "down")
				check(t, fmt.Sprintf("down(%d) args after its call", n), e.Args, []any{n, "pad"})
				trail = append(trail, fmt.Sprint(n))
				return ret.(int) + 1
			},
			"back": func(e *kernel.Event) any {
				check(t, "back args", e.Args, []any{101})
				check(t, "back sender", e.Sender.ID(), 2)
				return 1
			},
			// a's mailbox has the posted down(0) before done, so b,
			// which down(0) calls, outlives it in Parallel mode too.
			"done": func(e *kernel.Event) any {
				e.Kernel.AliasRemove("a")
				e.Kernel.Post("b", "done")
				return nil
			},
		})
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("b"); return nil },
			"over": func(e *kernel.Event) any {
				ret, _ := e.Kernel.Call("a", "back", e.Args[0].(int)+1)
				check(t, "over args after its call", e.Args, []any{100})
				check(t, "over sender", e.Sender, a)
				return ret.(int) + 1
			},
			"done": func(e *kernel.Event) any { e.Kernel.AliasRemove("b"); return nil },
		})
		var got any
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.Yield("go"); return nil },
			"go": func(e *kernel.Event) any {
				got, _ = e.Kernel.Call("a", "down", 5, "pad")
				e.Kernel.Post("a", "done")
				return nil
			},
		})
		// A Call from outside any handler, to a missing handler.
		if _, err := k.Call("a", "nothing", 1); err != nil {
			t.Fatal(err)
		}
		k.Post("a", "down", 0, "pad")
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
		// 2 from b and back, 1 per level of down.
		check(t, "result of down(5)", got, 8)
		slices.Sort(trail) // the posted down(0) and go's Call race in Parallel mode
		check(t, "trail", trail, []string{"0", "0", "1", "2", "3", "4", "5"})
	})
}

// A panic in a called handler, caught by the kernel (a Call to another
// session) or by the calling handler itself (a Call to one's own session),
// leaves later events with their own values.
func TestEventsAfterPanickingCalls(t *testing.T) {
	inBothModes(t, func(t *testing.T, k *kernel.Kernel) {
		var seen []string
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("b"); e.Kernel.Sig("DIE", "die"); return nil },
			"boom":   func(e *kernel.Event) any { panic("boom") },
			"die":    func(e *kernel.Event) any { e.Kernel.SigHandled(); return nil },
			"echo":   func(e *kernel.Event) any { return e.Args[0] },
			"done":   func(e *kernel.Event) any { e.Kernel.AliasRemove("b"); return nil },
			// More caught panics than a byte counts, inside one
			// of b's own handlers.
			"loop": func(e *kernel.Event) any {
				for i := 0; i < 300; i++ {
					e.Kernel.Call("c", "relay", i)
				}
				check(t, "loop args after 300 caught panics", e.Args, []any{"L"})
				return nil
			},
		})
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("c"); return nil },
			"relay":  func(e *kernel.Event) any { e.Kernel.Call("b", "boom", e.Args[0]); return nil },
			"done":   func(e *kernel.Event) any { e.Kernel.AliasRemove("c"); return nil },
		})
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.Yield("go", "x"); return nil },
			"selfboom": func(e *kernel.Event) any {
				e.Kernel.Call(e.Session, "selfboom2", 1, 2, 3)
				return nil
			},
			"selfboom2": func(e *kernel.Event) any { panic("self") },
			"go": func(e *kernel.Event) any {
				ret, err := e.Kernel.Call("b", "boom", 1)
				seen = append(seen, fmt.Sprint(ret, err))
				check(t, "go args after a caught panic", e.Args, []any{"x"})
				func() {
					defer func() { seen = append(seen, fmt.Sprint(recover())) }()
					e.Kernel.Call(e.Session, "selfboom", 7)
				}()
				check(t, "go args after its own recover", e.Args, []any{"x"})
				for i := 0; i < 3; i++ {
					ret, _ = e.Kernel.Call("b", "echo", i)
					seen = append(seen, fmt.Sprint(ret))
				}
				e.Kernel.Yield("again", "y")
				return nil
			},
			"again": func(e *kernel.Event) any {
				check(t, "next event's args", e.Args, []any{"y"})
				ret, _ := e.Kernel.Call("b", "echo", "z")
				seen = append(seen, fmt.Sprint(ret))
				e.Kernel.Call("b", "loop", "L")
				e.Kernel.Post("b", "done")
				e.Kernel.Post("c", "done")
				return nil
			},
		})
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
		check(t, "seen", seen, []string{"<nil> <nil>", "self", "0", "1", "2", "z"})
	})
}

// A Call gives the handler a copy of its arguments, however many, and the
// arguments of the Calls around it stay as they were.
func TestCallArgumentsAreCopies(t *testing.T) {
	inBothModes(t, func(t *testing.T, k *kernel.Kernel) {
		many := make([]any, 300) // more than the kernel's argument stack holds
		for i := range many {
			many[i] = i
		}
		mine := []any{"a", "b"}
		var lens []int
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.Yield("go"); return nil },
			"go": func(e *kernel.Event) any {
				e.Kernel.Call(e.Session, "outer", mine...)
				check(t, "caller's slice", mine, []any{"a", "b"})
				return nil
			},
			"outer": func(e *kernel.Event) any {
				e.Args[0] = "changed"
				e.Kernel.Call(e.Session, "inner", many...)
				e.Kernel.Call(e.Session, "inner", 1, 2, 3)
				check(t, "outer args after inner calls", e.Args, []any{"changed", "b"})
				return nil
			},
			"inner": func(e *kernel.Event) any {
				lens = append(lens, len(e.Args))
				if len(e.Args) == 300 && (e.Args[0] != 0 || e.Args[299] != 299) {
					t.Errorf("300 args: got %v .. %v", e.Args[0], e.Args[299])
				}
				return nil
			},
		})
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
		check(t, "inner arg counts", lens, []int{300, 3})
	})
}

// With CheckEvents, an Event kept past its handler is emptied, so that a
// closure that uses it fails at once instead of reading a later event.
func TestCheckEventsEmptiesKeptEvents(t *testing.T) {
	for _, m := range bothModes {
		t.Run(m.name, func(t *testing.T) {
			k := kernel.New(append(m.opts, kernel.CheckEvents())...)
			var kept []*kernel.Event
			create(t, k, kernel.States{
				"_start": func(e *kernel.Event) any { kept = append(kept, e); e.Kernel.Yield("ev", 1); return nil },
				"ev": func(e *kernel.Event) any {
					kept = append(kept, e)
					e.Kernel.Call(e.Session, "nested", 2)
					return nil
				},
				"nested": func(e *kernel.Event) any { kept = append(kept, e); return nil },
			})
			if err := k.Run(); err != nil {
				t.Fatal(err)
			}
			if len(kept) != 3 {
				t.Fatalf("kept %d events, want 3", len(kept))
			}
			for i, e := range kept {
				if e.Kernel != nil || e.Session != nil || e.Heap != nil || e.Args != nil {
					t.Errorf("kept event %d not emptied: %+v", i, *e)
				}
			}
		})
	}
}

// A post copies its arguments: the poster may reuse its slice at once.
// Each event of a session sees its own arguments, whatever the previous
// event of the same session (and the same reused Event) had.
func TestPostArguments(t *testing.T) {
	inBothModes(t, func(t *testing.T, k *kernel.Kernel) {
		var got [][]any
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any {
				for _, n := range []int{1, 2, 3, 5, 0} {
					args := make([]any, n)
					for i := range args {
						args[i] = i
					}
					e.Kernel.Yield("ev", args...)
					for i := range args {
						args[i] = "reused"
					}
				}
				e.Kernel.Yield("other", "x")
				return nil
			},
			"ev":    func(e *kernel.Event) any { got = append(got, slices.Clone(e.Args)); return nil },
			"other": func(e *kernel.Event) any { got = append(got, append([]any{e.State}, e.Args...)); return nil },
		})
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
		check(t, "args", got, [][]any{{0}, {0, 1}, {0, 1, 2}, {0, 1, 2, 3, 4}, {}, {"other", "x"}})
	})
}

// _default's ARG1, the event's arguments, is a value the handler may
// keep after it returns, as Perl's array ref is.
func TestDefaultArgumentsMayBeKept(t *testing.T) {
	inBothModes(t, func(t *testing.T, k *kernel.Kernel) {
		var kept [][]any
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any {
				for i := 0; i < 20; i++ {
					e.Kernel.Yield(fmt.Sprint("ev", i), i, "x")
				}
				return nil
			},
			"_default": func(e *kernel.Event) any {
				if name := e.Args[0].(string); strings.HasPrefix(name, "ev") {
					kept = append(kept, e.Args[1].([]any))
				}
				return nil
			},
		})
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
		if len(kept) != 20 {
			t.Fatalf("_default got %d ev events, want 20", len(kept))
		}
		for i, a := range kept {
			check(t, fmt.Sprint("kept ARG1 of ev", i), a, []any{i, "x"})
		}
	})
}

// The arguments of Calls that a panic unwound are not kept: the kernel's
// argument stack drops them when the trapped event ends.
func TestUnwoundCallArgumentsAreDropped(t *testing.T) {
	inBothModes(t, func(t *testing.T, k *kernel.Kernel) {
		var arg weak.Pointer[[64]byte]
		var alive bool
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any {
				e.Kernel.Sig("DIE", "die")
				e.Kernel.Yield("go")
				return nil
			},
			"go": func(e *kernel.Event) any {
				big := new([64]byte)
				arg = weak.Make(big)
				// A Call to one's own session is not trapped: the
				// panic unwinds both Calls and this handler.
				e.Kernel.Call(e.Session, "mid", big)
				return nil
			},
			"mid":  func(e *kernel.Event) any { e.Kernel.Call(e.Session, "boom", 1, 2, 3); return nil },
			"boom": func(e *kernel.Event) any { panic("boom") },
			"die":  func(e *kernel.Event) any { e.Kernel.SigHandled(); e.Kernel.Yield("check"); return nil },
			"check": func(e *kernel.Event) any {
				runtime.GC()
				alive = arg.Value() != nil
				return nil
			},
		})
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
		if alive {
			t.Error("the argument of a Call unwound by a panic is still referenced")
		}
	})
}

// In POE order each depth of sessions created in _start shares an Event
// the kernel keeps: a _start's Event must keep its values while the
// sessions it creates start, deeper than the kernel keeps Events too, and
// a _start that panics must not leave its depth taken.
func TestNestedStartsKeepTheirEvents(t *testing.T) {
	k := kernel.New(kernel.Serial())
	var trail []string
	var start kernel.Handler
	start = func(e *kernel.Event) any {
		n := e.Args[0].(int)
		if n == 3 {
			// Panics in _start, inside the chain of creations.
			create(t, k, kernel.States{
				"_start": func(*kernel.Event) any { panic("boom") },
			})
		}
		if n < 6 {
			create(t, k, kernel.States{"_start": start}, n+1, "pad")
		}
		check(t, fmt.Sprintf("_start(%d) state", n), e.State, "_start")
		check(t, fmt.Sprintf("_start(%d) args", n), e.Args, []any{n, "pad"})
		check(t, fmt.Sprintf("_start(%d) active session", n), e.Kernel.ActiveSession(), e.Session)
		trail = append(trail, fmt.Sprint(n))
		return nil
	}
	create(t, k, kernel.States{"_start": start}, 0, "pad")
	// The depths are free again: another chain of creations works.
	create(t, k, kernel.States{"_start": func(e *kernel.Event) any {
		check(t, "later _start args", e.Args, []any{"later"})
		trail = append(trail, "later")
		return nil
	}}, "later")
	k.Run() // the panic's DIE is unhandled: Run reports it
	if got, want := strings.Join(trail, " "), "6 5 4 3 2 1 0 later"; got != want {
		t.Errorf("_start order = %q, want %q", got, want)
	}
}
