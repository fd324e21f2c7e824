package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("02_timeslice", false, timeslice) }

// timeslice ports cases/02_timeslice/prog.pl.
func timeslice() {
	for _, name := range []string{"A", "B"} {
		session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
			"_start": func(e *kernel.Event) any {
				e.Heap["name"] = name
				if name == "A" {
					e.Heap["left"] = 2
				} else {
					e.Heap["left"] = 4
				}
				e.Kernel.Yield("tick", 1)
				return nil
			},
			"tick": func(e *kernel.Event) any {
				n := e.Arg(0).(int)
				fmt.Printf("%s tick %d\n", e.Heap["name"], n)
				e.Heap["left"] = e.Heap["left"].(int) - 1
				if e.Heap["left"].(int) > 0 {
					e.Kernel.Yield("tick", n+1)
				}
				return nil
			},
			"_stop": func(e *kernel.Event) any { fmt.Printf("%s stop\n", e.Heap["name"]); return nil },
		}})
	}

	poeKernel.Run()
	fmt.Println("run returned")
}
