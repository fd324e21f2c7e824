package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("15_die_unhandled", false, dieUnhandled) }

// dieUnhandled ports cases/15_die_unhandled/prog.pl.
func dieUnhandled() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("bystander")
			e.Kernel.Delay("never", 200*time.Millisecond)
			return nil
		},
		"never": func(e *kernel.Event) any { fmt.Println("bystander never"); return nil },
		"_stop": func(e *kernel.Event) any { fmt.Println("bystander _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			session.Create(session.Options{Kernel: e.Kernel, InlineStates: kernel.States{
				"_start":  func(e *kernel.Event) any { e.Kernel.Yield("explode"); return nil },
				"explode": func(e *kernel.Event) any { fmt.Println("child explode"); panic("kaboom") },
				"_stop":   func(e *kernel.Event) any { fmt.Println("child _stop"); return nil },
			}})
			e.Kernel.Sig("DIE", "on_die")
			return nil
		},
		"on_die": func(e *kernel.Event) any {
			fmt.Printf("parent sees %v from event %s, does not handle it\n", e.Arg(0), e.Arg(1).(*kernel.Exception).Event)
			return nil
		},
		"_child": func(e *kernel.Event) any { fmt.Printf("parent _child %v\n", e.Arg(0)); return nil },
		"_stop":  func(e *kernel.Event) any { fmt.Println("parent _stop"); return nil },
	}})

	if err := poeKernel.Run(); err != nil {
		fmt.Printf("run died: %s\n", dieMessage(err))
	}
	fmt.Println("after run")
	poeKernel.Run()
	fmt.Println("second run returned")
}
