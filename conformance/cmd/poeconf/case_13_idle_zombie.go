package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("13_idle_zombie", true, idleZombie) }

// idleZombie ports cases/13_idle_zombie/prog.pl.
func idleZombie() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("daemon")
			e.Kernel.Sig("IDLE", "idle")
			e.Kernel.Sig("ZOMBIE", "zombie")
			e.Heap["idles"] = 0
			e.Kernel.Yield("work", "first")
			return nil
		},
		"work": func(e *kernel.Event) any { fmt.Printf("work %v\n", e.Arg(0)); return nil },
		"idle": func(e *kernel.Event) any {
			k, heap := e.Kernel, e.Heap
			heap["idles"] = heap["idles"].(int) + 1
			fmt.Printf("got %v %d\n", e.Arg(0), heap["idles"])
			k.SigHandled()
			if heap["idles"] == 1 {
				k.Delay("work", 50*time.Millisecond, "after idle")
			}
			if heap["idles"] == 2 {
				k.Yield("work", "after idle 2")
			}
			return nil
		},
		"zombie": func(e *kernel.Event) any { fmt.Printf("got %v\n", e.Arg(0)); return nil },
		"_stop":  func(e *kernel.Event) any { fmt.Println("daemon _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
