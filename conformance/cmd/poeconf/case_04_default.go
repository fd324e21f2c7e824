package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("04_default", false, defaultState) }

// defaultState ports cases/04_default/prog.pl.
func defaultState() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k := e.Kernel
			k.AliasSet("catchall")
			session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
				"_start": func(e *kernel.Event) any {
					e.Kernel.Post("catchall", "mystery", "a", 2)
					e.Kernel.Post("catchall", "noargs")
					e.Kernel.Post(e.Session, "dropped", "x")
					r, _ := e.Kernel.Call("catchall", "asked", 7)
					fmt.Printf("call to _default returned %v\n", r)
					return "child-start"
				},
				"_stop": func(e *kernel.Event) any { fmt.Println("child stop"); return "child-stop" },
			}})
			return nil
		},
		"_default": func(e *kernel.Event) any {
			k, event, args := e.Kernel, e.Arg(0).(string), e.Arg(1).([]any)
			shown := make([]any, len(args))
			for i, a := range args {
				if s, ok := a.(*kernel.Session); ok {
					shown[i] = fmt.Sprintf("session %d", s.ID())
				} else {
					shown[i] = a
				}
			}
			fmt.Printf("_default %s [%s]\n", event, list(shown))
			if event == "noargs" {
				k.AliasRemove("catchall")
			}
			return "default-" + event
		},
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
