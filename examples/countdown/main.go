// Command countdown is a small POE program in Go: a session counts down
// with timers, a second session answers calls by alias, and Ctrl-C is
// caught as POE's INT signal.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func main() {
	from := flag.Int("from", 5, "number to count down from")
	every := flag.Duration("every", 300*time.Millisecond, "time between ticks")
	flag.Parse()

	session.Create(session.Options{InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("announcer")
			return nil
		},
		"announce": func(e *kernel.Event) any {
			return fmt.Sprintf("T minus %d", e.Args[0])
		},
		"done": func(e *kernel.Event) any {
			e.Kernel.AliasRemove("announcer")
			return nil
		},
	}})

	session.Create(session.Options{
		Args: []any{*from},
		InlineStates: kernel.States{
			"_start": func(e *kernel.Event) any {
				e.Heap["left"] = e.Args[0]
				e.Kernel.Sig("INT", "interrupted")
				e.Kernel.Yield("tick")
				return nil
			},
			"tick": func(e *kernel.Event) any {
				left := e.Heap["left"].(int)
				line, _ := e.Kernel.Call("announcer", "announce", left)
				fmt.Println(line)
				if left == 0 {
					fmt.Println("liftoff")
					e.Kernel.Post("announcer", "done")
					e.Kernel.Sig("INT", "")
					return nil
				}
				e.Heap["left"] = left - 1
				e.Kernel.Delay("tick", *every)
				return nil
			},
			"interrupted": func(e *kernel.Event) any {
				fmt.Println("caught SIGINT, stopping")
				e.Kernel.SigHandled()
				e.Kernel.Stop()
				return nil
			},
		},
	})

	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
