package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("21_state_runtime", false, stateRuntime) }

// stateRuntime ports cases/21_state_runtime/prog.pl.
func stateRuntime() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k := e.Kernel
			k.AliasSet("shapeshifter")
			err := k.State("dyn", func(e *kernel.Event) any {
				fmt.Printf("dyn first: %v\n", e.Arg(0))
				e.Kernel.State("dyn", func(e *kernel.Event) any {
					fmt.Printf("dyn replaced: %v\n", e.Arg(0))
					if e.Arg(0).(int) < 3 {
						e.Kernel.Yield("dyn", 3)
					}
					return nil
				})
				e.Kernel.Yield("dyn", 2)
				return nil
			})
			fmt.Printf("state add: %s\n", errName(err))
			k.Yield("dyn", 1)
			return nil
		},
		"learn": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Printf("learn called by %d\n", e.Sender.ID())
			k.State("dyn", nil)
			k.State("_default", func(e *kernel.Event) any {
				fmt.Printf("_default got %v\n", e.Arg(0))
				e.Kernel.State("_default", nil)
				return nil
			})
			return "learned"
		},
		"release": func(e *kernel.Event) any { fmt.Println("release"); e.Kernel.AliasRemove("shapeshifter"); return nil },
		"_stop":   func(e *kernel.Event) any { fmt.Println("shapeshifter _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Delay("teach", 50*time.Millisecond); return nil },
		"teach": func(e *kernel.Event) any {
			k := e.Kernel
			r, _ := k.Call("shapeshifter", "learn")
			fmt.Printf("teacher: %v\n", r)
			k.Post("shapeshifter", "dyn", 4)
			k.Post("shapeshifter", "dyn", 5)
			k.Delay("release", 50*time.Millisecond)
			return nil
		},
		"release": func(e *kernel.Event) any { e.Kernel.Call("shapeshifter", "release"); return nil },
		"_stop":   func(e *kernel.Event) any { fmt.Println("teacher _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
