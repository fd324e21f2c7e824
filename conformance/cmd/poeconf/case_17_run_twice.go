package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("17_run_twice", false, runTwice) }

// runTwice ports cases/17_run_twice/prog.pl.
func runTwice() {
	makeSession := func(name string) {
		session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
			"_start": func(e *kernel.Event) any {
				fmt.Printf("%s _start id=%d\n", name, e.Session.ID())
				e.Kernel.Yield("work")
				return nil
			},
			"work":  func(e *kernel.Event) any { fmt.Printf("%s work\n", name); return nil },
			"_stop": func(e *kernel.Event) any { fmt.Printf("%s _stop\n", name); return nil },
		}})
	}

	poeKernel.Run()
	fmt.Println("empty run returned")
	makeSession("first")
	poeKernel.Run()
	fmt.Println("first run returned")
	poeKernel.Run()
	fmt.Println("second empty run returned")
	makeSession("second")
	makeSession("third")
	poeKernel.Run()
	fmt.Println("last run returned")
}
