package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("35_create_in_stop", false, createInStop) }

// createInStop ports cases/35_create_in_stop/prog.pl.
func createInStop() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("grandparent")
			session.Create(session.Options{Kernel: e.Kernel, InlineStates: kernel.States{
				"_start": func(e *kernel.Event) any { fmt.Println("parent _start"); return nil },
				"_stop": func(e *kernel.Event) any {
					fmt.Println("parent _stop creates a child")
					session.Create(session.Options{Kernel: e.Kernel, InlineStates: kernel.States{
						"_start": func(e *kernel.Event) any {
							fmt.Println("orphan _start")
							e.Kernel.Delay("tick", 50*time.Millisecond)
							return nil
						},
						"_parent": func(e *kernel.Event) any { fmt.Println("orphan _parent"); return nil },
						"tick": func(e *kernel.Event) any {
							fmt.Println("orphan tick")
							e.Kernel.Post("grandparent", "done")
							return nil
						},
						"_stop": func(e *kernel.Event) any { fmt.Println("orphan _stop"); return nil },
					}})
					fmt.Println("parent _stop ends")
					return nil
				},
				"_child": func(e *kernel.Event) any {
					fmt.Printf("parent _child %v %d\n", e.Arg(0), e.Arg(1).(*kernel.Session).ID())
					return nil
				},
			}})
			return nil
		},
		"_child": func(e *kernel.Event) any {
			fmt.Printf("grandparent _child %v %d\n", e.Arg(0), e.Arg(1).(*kernel.Session).ID())
			return nil
		},
		"done": func(e *kernel.Event) any {
			fmt.Println("grandparent done")
			e.Kernel.AliasRemove("grandparent")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("grandparent _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
