package wheel_test

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// A child process as a filter: lines go to sort's standard input, sorted
// lines come back as StdoutEvent, and the exit status arrives through
// SigChild, as in POE::Wheel::Run's synopsis.
func ExampleNewRun() {
	k := kernel.New()
	var lines []string
	status := -1
	done := func(e *kernel.Event) {
		// Both the output's end and the exit have been seen.
		if e.Heap["closed"] != nil && status >= 0 {
			e.Heap.Delete("sort")
		}
	}
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewRun(e.Kernel, wheel.RunOptions{
				Program:     []string{"sort"},
				StdoutEvent: "got_line",
				CloseEvent:  "child_closed",
			})
			if err != nil {
				fmt.Println("cannot run sort:", err)
				return nil
			}
			e.Heap["sort"] = w
			e.Kernel.SigChild(w.PID(), "child_exited")
			w.Put("pear", "apple", "fig")
			w.ShutdownStdin()
			return nil
		},
		"got_line": func(e *kernel.Event) any {
			lines = append(lines, e.Args[0].(string))
			return nil
		},
		"child_closed": func(e *kernel.Event) any {
			e.Heap["closed"] = true
			done(e)
			return nil
		},
		"child_exited": func(e *kernel.Event) any {
			status = e.Args[2].(int)
			done(e)
			return nil
		},
	}})
	k.Run()
	fmt.Println(lines)
	fmt.Println("exit status", status>>8)
	// Output:
	// [apple fig pear]
	// exit status 0
}
