package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("37_gc_grouped", false, gcGrouped) }

// gcGrouped ports cases/37_gc_grouped/prog.pl.
func gcGrouped() {
	idle := func(name string) {
		session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
			"_start": func(e *kernel.Event) any { fmt.Println(name, "_start"); return nil },
			"_stop":  func(e *kernel.Event) any { fmt.Println(name, "_stop"); return nil },
		}})
	}

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { fmt.Println("E _start"); e.Kernel.Yield("spawn"); return nil },
		"spawn": func(e *kernel.Event) any {
			fmt.Println("E spawn")
			idle("F1")
			idle("F2")
			e.Kernel.Yield("tick", 1)
			idle("F3")
			e.Kernel.Delay("late", 0)
			idle("F4")
			idle("F5")
			return nil
		},
		"tick": func(e *kernel.Event) any {
			n := e.Arg(0).(int)
			fmt.Println("E tick", n)
			idle(fmt.Sprint("G", n))
			if n < 3 {
				e.Kernel.Yield("tick", n+1)
			}
			return nil
		},
		"late":  func(e *kernel.Event) any { fmt.Println("E late"); idle("H"); return nil },
		"_stop": func(e *kernel.Event) any { fmt.Println("E _stop"); return nil },
	}})
	idle("D1")
	idle("D2")
	idle("D3")

	fmt.Println("before run")
	poeKernel.Run()
	fmt.Println("run returned")
}
