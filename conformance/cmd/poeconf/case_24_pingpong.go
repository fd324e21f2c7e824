package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("24_pingpong", false, pingpong) }

// pingpong ports cases/24_pingpong/prog.pl.
func pingpong() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("ponger"); return nil },
		"ping": func(e *kernel.Event) any {
			k, sender, n := e.Kernel, e.Sender, e.Arg(0).(int)
			fmt.Printf("ponger got ping %d from %d\n", n, sender.ID())
			k.Post(sender, "pong", n)
			if n == 3 {
				k.AliasRemove("ponger")
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("ponger _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Post("ponger", "ping", 1); return nil },
		"pong": func(e *kernel.Event) any {
			k, sender, n := e.Kernel, e.Sender, e.Arg(0).(int)
			fmt.Printf("pinger got pong %d from %d\n", n, sender.ID())
			if n < 3 {
				k.Post(sender, "ping", n+1)
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("pinger _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("tick", 1); return nil },
		"tick": func(e *kernel.Event) any {
			n := e.Arg(0).(int)
			fmt.Printf("ticker %d\n", n)
			if n < 8 {
				e.Kernel.Yield("tick", n+1)
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("ticker _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
