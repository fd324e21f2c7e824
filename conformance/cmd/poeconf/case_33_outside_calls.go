package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("33_outside_calls", true, outsideCalls) }

// outsideCalls ports cases/33_outside_calls/prog.pl.
func outsideCalls() {
	s, _ := session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("svc"); e.Kernel.Sig("USR1", "usr1"); return nil },
		"hello": func(e *kernel.Event) any {
			from := "kernel"
			if e.Sender.ID() != 0 {
				from = fmt.Sprint(e.Sender.ID())
			}
			fmt.Printf("hello %v from %s\n", e.Arg(0), from)
			return fmt.Sprintf("hi %v", e.Arg(0))
		},
		"usr1": func(e *kernel.Event) any {
			fmt.Printf("usr1 %v\n", e.Arg(1))
			e.Kernel.AliasRemove("svc")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("svc _stop"); return nil },
	}})

	r, _ := poeKernel.Call(s, "hello", "call")
	fmt.Printf("call returned %v\n", r)
	err := poeKernel.Post("svc", "hello", "post")
	fmt.Printf("post: %s\n", errName(err))
	err = poeKernel.Signal("svc", "USR1", "signal")
	fmt.Printf("signal: %s\n", errName(err))
	poeKernel.Run()
	fmt.Println("run returned")
	r, err = poeKernel.Call(s, "hello", "late")
	if err != nil {
		fmt.Printf("call after run: %s\n", errName(err))
	} else {
		fmt.Printf("call after run: %s\n", show(r))
	}
}
