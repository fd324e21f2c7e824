package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("27_gc_sweep_order", false, gcSweepOrder) }

// gcSweepOrder ports cases/27_gc_sweep_order/prog.pl.
func gcSweepOrder() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("Y"); return nil },
		"y2": func(e *kernel.Event) any {
			fmt.Printf("Y y2 from %d\n", e.Sender.ID())
			e.Kernel.AliasRemove("Y")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("Y _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("x1"); return nil },
		"x1": func(e *kernel.Event) any {
			fmt.Println("X x1")
			e.Kernel.Post("Y", "y2")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("X _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
