package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { registerLines("38_caller_state", callerState) }

// callerState ports cases/38_caller_state/prog.pl.
func callerState() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("r"); return nil },
		"got": func(e *kernel.Event) any {
			fmt.Printf("r got %v from state %s\n", e.Args[0], e.CallerState)
			return "ok"
		},
		"bye": func(e *kernel.Event) any {
			fmt.Printf("r bye from state %s\n", e.CallerState)
			e.Kernel.AliasRemove("r")
			return nil
		},
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Post("r", "got", "post-from-start")
			e.Kernel.Yield("outer")
			return nil
		},
		"outer": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Printf("outer active %s caller_state %s\n", k.ActiveEvent(), e.CallerState)
			k.Call(e.Session, "inner")
			fmt.Printf("outer active after inner %s\n", k.ActiveEvent())
			k.Call("r", "got", "call-from-outer")
			k.Post("r", "got", "post-from-outer")
			k.Yield("mystery")
			return nil
		},
		"inner": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Printf("inner active %s caller_state %s state %s\n", k.ActiveEvent(), e.CallerState, e.State)
			k.Post("r", "got", "post-from-inner")
			k.Call("r", "got", "call-from-inner")
			k.Call(e.Session, "innermost")
			return nil
		},
		"innermost": func(e *kernel.Event) any {
			fmt.Printf("innermost active %s caller_state %s\n", e.Kernel.ActiveEvent(), e.CallerState)
			return nil
		},
		"_default": func(e *kernel.Event) any {
			k := e.Kernel
			if e.Args[0] == "_stop" || e.Args[0] == "_child" {
				return 0
			}
			fmt.Printf("_default for %v active %s state %s\n", e.Args[0], k.ActiveEvent(), e.State)
			k.Post("r", "got", "post-from-default")
			k.Call("r", "got", "call-from-default")
			k.Post("r", "bye")
			return 0
		},
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
