package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("36_run_one_timeslice", false, runOneTimeslice) }

// runOneTimeslice ports cases/36_run_one_timeslice/prog.pl.
func runOneTimeslice() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("step", 1); e.Kernel.Yield("step", 10); return nil },
		"step": func(e *kernel.Event) any {
			n := e.Arg(0).(int)
			fmt.Printf("step %d\n", n)
			if n < 3 {
				e.Kernel.Yield("step", n+1)
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("_stop"); return nil },
	}})

	for slice := 1; slice <= 4; slice++ {
		poeKernel.RunOneTimeslice()
		fmt.Printf("after slice %d\n", slice)
	}
	poeKernel.Run()
	fmt.Println("run returned")
}
