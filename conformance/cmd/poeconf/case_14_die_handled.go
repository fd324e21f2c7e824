package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("14_die_handled", false, dieHandled) }

func dieHandledOnDie(name string, handles bool) kernel.Handler {
	return func(e *kernel.Event) any {
		k, signal, ex := e.Kernel, e.Arg(0), e.Arg(1).(*kernel.Exception)
		fmt.Printf("%s got %v: event=%s dest=%d source=%d from=%s error=%v\n",
			name, signal, ex.Event, ex.Dest.ID(), ex.Source.ID(), ex.FromState, ex.Err)
		if handles {
			k.SigHandled()
		}
		return nil
	}
}

// dieHandled ports cases/14_die_handled/prog.pl.
func dieHandled() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Sig("DIE", "on_die")
			session.Create(session.Options{Kernel: e.Kernel, InlineStates: kernel.States{
				"_start": func(e *kernel.Event) any {
					e.Kernel.Sig("DIE", "on_die")
					e.Kernel.Yield("explode")
					return nil
				},
				"explode": func(e *kernel.Event) any {
					fmt.Println("child explode")
					e.Kernel.Yield("after")
					panic("boom")
				},
				"after":  func(e *kernel.Event) any { fmt.Println("child after: still running"); return nil },
				"on_die": dieHandledOnDie("child", false),
				"_stop":  func(e *kernel.Event) any { fmt.Println("child _stop"); return nil },
			}})
			return nil
		},
		"on_die": dieHandledOnDie("parent", true),
		"_stop":  func(e *kernel.Event) any { fmt.Println("parent _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
