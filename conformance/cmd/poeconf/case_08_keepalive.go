package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("08_keepalive", false, keepalive) }

// keepalive ports cases/08_keepalive/prog.pl.
func keepalive() {
	var postback *kernel.Postback

	named := func(k *kernel.Kernel, name string, states kernel.States) {
		all := kernel.States{"_stop": func(e *kernel.Event) any { fmt.Printf("%s _stop\n", name); return nil }}
		for ev, h := range states {
			all[ev] = h
		}
		session.Create(session.Options{Kernel: k, InlineStates: all})
	}

	named(poeKernel, "watcher", kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Sig("USR2", "usr2"); return nil },
		"usr2":   func(e *kernel.Event) any { return nil },
	})
	named(poeKernel, "aliased", kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("aliased"); return nil },
		"release": func(e *kernel.Event) any {
			fmt.Println("aliased release")
			e.Kernel.AliasRemove("aliased")
			return nil
		},
	})
	named(poeKernel, "counted", kernel.States{
		"_start": func(e *kernel.Event) any {
			n, _ := e.Kernel.RefcountIncrement(e.Session.ID(), "hold")
			fmt.Printf("counted refcount_increment %d\n", n)
			return nil
		},
		"poke": func(e *kernel.Event) any { fmt.Println("counted poke"); return nil },
	})
	named(poeKernel, "called back", kernel.States{
		"_start": func(e *kernel.Event) any { postback = e.Session.Postback("pb", "ctx"); return nil },
		"pb": func(e *kernel.Event) any {
			fmt.Printf("called back pb %v %v\n", e.Arg(0).([]any)[0], e.Arg(1).([]any)[0])
			return nil
		},
	})
	named(poeKernel, "parent", kernel.States{
		"_start": func(e *kernel.Event) any {
			named(e.Kernel, "child", kernel.States{
				"_start": func(e *kernel.Event) any { e.Kernel.Delay("bye", 150*time.Millisecond); return nil },
				"bye":    func(e *kernel.Event) any { fmt.Println("child bye"); return nil },
			})
			return nil
		},
		"_child": func(e *kernel.Event) any { fmt.Printf("parent _child %v\n", e.Arg(0)); return nil },
	})
	named(poeKernel, "timer", kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Delay("tick", 50*time.Millisecond); return nil },
		"tick": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Println("timer tick")
			k.Post("aliased", "release")
			k.Post(3, "poke")
			n, _ := k.RefcountDecrement(3, "hold")
			fmt.Printf("timer refcount_decrement %d\n", n)
			postback.Post("x")
			postback.Release() // undef $postback
			return nil
		},
	})

	poeKernel.Run()
	fmt.Println("run returned")
}
