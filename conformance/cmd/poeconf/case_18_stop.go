package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("18_stop", true, stop) }

func stopStates(name string, depth int) kernel.States {
	return kernel.States{
		"_start": func(e *kernel.Event) any {
			k := e.Kernel
			k.Delay("late", 100*time.Millisecond)
			if depth < 3 {
				session.Create(session.Options{Kernel: k, InlineStates: stopStates(fmt.Sprintf("L%d", depth+1), depth+1)})
			}
			if depth == 2 {
				k.Yield("halt")
			}
			return nil
		},
		"halt": func(e *kernel.Event) any {
			fmt.Printf("%s calls stop\n", name)
			e.Kernel.Post("nobody", "x")
			e.Kernel.Stop()
			fmt.Printf("%s: stop returned\n", name)
			return nil
		},
		"late": func(e *kernel.Event) any { fmt.Printf("%s late\n", name); return nil },
		"_child": func(e *kernel.Event) any {
			if e.Arg(0) != "create" {
				fmt.Printf("%s _child %v %d %s\n", name, e.Arg(0), e.Arg(1).(*kernel.Session).ID(), show(e.Arg(2)))
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any {
			fmt.Printf("%s _stop\n", name)
			e.Kernel.Yield("late")
			return name + "-gone"
		},
	}
}

// stop ports cases/18_stop/prog.pl.
func stop() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: stopStates("L1", 1)})
	poeKernel.Run()
	fmt.Println("run returned")
}
