package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("07_gc_idle_start", false, gcIdleStart) }

// gcIdleStart ports cases/07_gc_idle_start/prog.pl.
func gcIdleStart() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { fmt.Println("idle _start"); return nil },
		"_stop":  func(e *kernel.Event) any { fmt.Println("idle _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { fmt.Println("busy _start"); e.Kernel.Yield("work", 1); return nil },
		"work": func(e *kernel.Event) any {
			n := e.Arg(0).(int)
			fmt.Printf("busy work %d\n", n)
			if n < 2 {
				e.Kernel.Yield("work", n+1)
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("busy _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { fmt.Println("quick _start"); e.Kernel.Yield("once"); return nil },
		"once":   func(e *kernel.Event) any { fmt.Println("quick once"); return nil },
		"_stop":  func(e *kernel.Event) any { fmt.Println("quick _stop"); return nil },
	}})

	fmt.Println("before run")
	poeKernel.Run()
	fmt.Println("run returned")
}
