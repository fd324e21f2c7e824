package kernel_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seed02617006/poe/kernel"
)

// callScenario makes Calls of every kind the fast path of Call may take
// or must refuse, each more than once (a Call takes the fast path only
// when the callee ran the same state last), and logs what every handler
// sees. It returns the log.
func callScenario(t *testing.T, k *kernel.Kernel) []string {
	var log []string
	see := func(e *kernel.Event, what string) {
		sender := "-"
		if e.Sender != nil {
			sender = fmt.Sprint(e.Sender.ID())
		}
		log = append(log, fmt.Sprintf("%s: session %d state %s sender %s args %v from %q active %d/%s heap %v",
			what, e.Session.ID(), e.State, sender, e.Args, e.CallerState,
			e.Kernel.ActiveSession().ID(), e.Kernel.ActiveEvent(), e.Heap["n"]))
	}
	many := make([]any, 300) // more than the kernel's stack of Call arguments
	for i := range many {
		many[i] = i
	}
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("callee")
			e.Kernel.Sig("DIE", "die")
			e.Heap["n"] = 0
			return nil
		},
		"add": func(e *kernel.Event) any {
			e.Heap["n"] = e.Heap["n"].(int) + 1
			see(e, "add")
			return e.Args[0].(int) + 1
		},
		"count": func(e *kernel.Event) any {
			see(e, "count")
			return len(e.Args)
		},
		// nest calls the other session, which calls back into add:
		// the callee at depth 0 and 1, its Event kept across.
		"nest": func(e *kernel.Event) any {
			see(e, "nest before")
			r, err := e.Kernel.Call("caller", "back", e.Args[0])
			see(e, "nest after")
			return fmt.Sprint(r, err)
		},
		"boom": func(e *kernel.Event) any {
			see(e, "boom")
			panic(errors.New("bad"))
		},
		"die": func(e *kernel.Event) any {
			x := e.Args[1].(*kernel.Exception)
			log = append(log, fmt.Sprintf("DIE %s dest %d source %d from %q: %v", x.Event, x.Dest.ID(), x.Source.ID(), x.FromState, x.Err))
			e.Kernel.SigHandled()
			return nil
		},
		"done": func(e *kernel.Event) any { e.Kernel.AliasRemove("callee"); return nil },
	})
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("caller")
			e.Kernel.Yield("go")
			return nil
		},
		"go": func(e *kernel.Event) any {
			// Each Call twice in a row: the second takes the fast
			// path where it may.
			for i := range 3 {
				for range 2 {
					r, err := e.Kernel.Call("callee", "add", i)
					log = append(log, fmt.Sprint("add returned ", r, err))
				}
				for range 2 {
					r, err := e.Kernel.Call("callee", "count", many[:i*150]...)
					log = append(log, fmt.Sprint("count returned ", r, err))
				}
				for range 2 {
					r, err := e.Kernel.Call("callee", "nest", 10*i)
					log = append(log, fmt.Sprint("nest returned ", r, err))
				}
				for range 2 {
					r, err := e.Kernel.Call("callee", "boom")
					log = append(log, fmt.Sprint("boom returned ", r, err))
				}
				r, err := e.Kernel.Call("callee", "missing")
				log = append(log, fmt.Sprint("missing returned ", r, err))
			}
			for range 2 {
				r, err := e.Kernel.Call("fragile", "boom")
				log = append(log, fmt.Sprint("fragile boom returned ", r, err))
			}
			see(e, "go after its calls")
			e.Kernel.Post("callee", "done")
			e.Kernel.AliasRemove("caller")
			return nil
		},
		"back": func(e *kernel.Event) any {
			see(e, "back")
			r, _ := e.Kernel.Call("callee", "add", e.Args[0])
			return r
		},
	})
	// fragile handles no DIE: Run returns its panic.
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("fragile"); return nil },
		"boom":   func(e *kernel.Event) any { panic(errors.New("fragile")) },
		"done":   func(e *kernel.Event) any { e.Kernel.AliasRemove("fragile"); return nil },
	})
	// Calls from outside Run: SENDER is the kernel.
	for range 3 {
		r, err := k.Call("callee", "add", 100)
		log = append(log, fmt.Sprint("outside add returned ", r, err))
		r, err = k.Call("callee", "boom")
		log = append(log, fmt.Sprint("outside boom returned ", r, err))
	}
	log = append(log, fmt.Sprint("Run returned ", k.Run()))
	return log
}

// Call has a fast path for its common case in POE order. A kernel that
// records callers never takes it, so the two must log the same.
func TestFastCallMatchesGeneralPath(t *testing.T) {
	fast := callScenario(t, kernel.New(kernel.Serial()))
	general := callScenario(t, kernel.New(kernel.Serial(), kernel.WithCallers()))
	if !slices.Equal(fast, general) {
		t.Errorf("fast path log:\n%s\n\ngeneral path log:\n%s", strings.Join(fast, "\n"), strings.Join(general, "\n"))
	}
	// The log itself: a sample of what both must show.
	for _, want := range []string{
		"add: session 1 state add sender 0 args [100] from \"\" active 1/add heap 3",
		"add: session 1 state add sender 2 args [2] from \"go\" active 1/add heap 13",
		"count returned 300 <nil>",
		"add: session 1 state add sender 2 args [10] from \"back\" active 1/add heap",
		"nest after: session 1 state nest sender 2 args [10] from \"go\" active 1/nest",
		"DIE boom dest 1 source 2 from \"go\": bad",
		"boom returned <nil> <nil>",
		"outside add returned 101 <nil>",
		"outside boom returned <nil> <nil>",
		"DIE boom dest 1 source 0 from \"\": bad",
		"Run returned kernel: event \"boom\" in session 3 panicked: fragile",
		"go after its calls: session 2 state go sender 2 args [] from \"_start\" active 2/go",
	} {
		if !slices.ContainsFunc(fast, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("no log line begins %q in:\n%s", want, strings.Join(fast, "\n"))
		}
	}
}

// Call's arguments live on a stack the kernel keeps. A handler's Args
// keep their values while the Calls it makes push more than the stack
// holds (it moves as it grows), and appending to Args never writes into
// the stack.
func TestCallArgumentsSurviveTheStack(t *testing.T) {
	inBothModes(t, func(t *testing.T, k *kernel.Kernel) {
		many := make([]any, 1000)
		for i := range many {
			many[i] = i
		}
		var got []string
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("b"); return nil },
			"count":  func(e *kernel.Event) any { return len(e.Args) },
			"done":   func(e *kernel.Event) any { e.Kernel.AliasRemove("b"); return nil },
		})
		create(t, k, kernel.States{
			"_start": func(e *kernel.Event) any { e.Kernel.Yield("go"); return nil },
			"go": func(e *kernel.Event) any {
				r, err := e.Kernel.Call(e.Session, "outer", "a", "b")
				got = append(got, fmt.Sprint("outer returned ", r, err))
				e.Kernel.Post("b", "done")
				return nil
			},
			"outer": func(e *kernel.Event) any {
				mine := append(e.Args, "mine")
				for n := 1; n <= len(many); n *= 4 {
					r, err := e.Kernel.Call("b", "count", many[:n]...)
					got = append(got, fmt.Sprint(r, err))
				}
				got = append(got, fmt.Sprint(e.Args, mine))
				return len(e.Args)
			},
		})
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
		want := "[1 <nil> 4 <nil> 16 <nil> 64 <nil> 256 <nil> [a b] [a b mine] outer returned 2 <nil>]"
		if fmt.Sprint(got) != want {
			t.Errorf("log = %v, want %s", got, want)
		}
	})
}
