package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("32_idle_unhandled", true, idleUnhandled) }

// idleUnhandled ports cases/32_idle_unhandled/prog.pl.
func idleUnhandled() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("parent")
			session.Create(session.Options{Kernel: e.Kernel, InlineStates: kernel.States{
				"_start": func(e *kernel.Event) any {
					e.Kernel.AliasSet("child")
					e.Kernel.Sig("IDLE", "idle")
					e.Kernel.Yield("work")
					return nil
				},
				"work": func(e *kernel.Event) any { fmt.Println("child work"); return nil },
				"idle": func(e *kernel.Event) any {
					fmt.Printf("child got %v, does not handle it\n", e.Arg(0))
					return nil
				},
				"_stop": func(e *kernel.Event) any { fmt.Println("child _stop"); return nil },
			}})
			return nil
		},
		"_child": func(e *kernel.Event) any { fmt.Printf("parent _child %v\n", e.Arg(0)); return nil },
		"_stop":  func(e *kernel.Event) any { fmt.Println("parent _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
