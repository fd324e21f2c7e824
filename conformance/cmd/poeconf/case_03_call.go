package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("03_call", false, call) }

// call ports cases/03_call/prog.pl.
func call() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("server"); return nil },
		"double": func(e *kernel.Event) any {
			n := e.Arg(0).(int)
			fmt.Printf("server double %d from %d\n", n, e.Sender.ID())
			inc, _ := e.Kernel.Call(e.Sender, "increment", n)
			fmt.Printf("server got %v back from the re-entrant call\n", inc)
			return 2 * inc.(int)
		},
		"done":  func(e *kernel.Event) any { e.Kernel.AliasRemove("server"); return nil },
		"_stop": func(e *kernel.Event) any { fmt.Println("server stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("go"); return nil },
		"go": func(e *kernel.Event) any {
			k, s := e.Kernel, e.Session
			r, _ := k.Call("server", "double", 20)
			fmt.Printf("client call returned %v\n", r)
			r, _ = k.Call(s, "increment", 1)
			fmt.Printf("client call to itself returned %v\n", r)
			r, _ = k.Call("server", "no_such_state")
			fmt.Printf("call to a missing state returned %s\n", show(r))
			r, err := k.Call("nobody", "double", 1)
			fmt.Printf("call to a missing session: %s %s\n", show(r), errName(err))
			err = k.Post("nobody", "double", 1)
			fmt.Printf("post to a missing session: %s\n", errName(err))
			err = k.Post(99, "double", 1)
			fmt.Printf("post to a missing ID: %s\n", errName(err))
			err = k.Post(1, "done")
			fmt.Printf("post to ID 1: %s\n", errName(err))
			return nil
		},
		"increment": func(e *kernel.Event) any {
			fmt.Printf("client increment %v\n", e.Arg(0))
			return e.Arg(0).(int) + 1
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("client stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
