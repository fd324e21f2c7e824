package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("16_die_in_call", false, dieInCall) }

// dieInCall ports cases/16_die_in_call/prog.pl.
func dieInCall() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("other")
			e.Kernel.Sig("DIE", "on_die")
			return nil
		},
		"fail": func(e *kernel.Event) any { panic("other failed") },
		"on_die": func(e *kernel.Event) any {
			ex := e.Arg(1).(*kernel.Exception)
			fmt.Printf("other got DIE: event=%s error=%v\n", ex.Event, ex.Err)
			e.Kernel.SigHandled()
			e.Kernel.AliasRemove("other")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("other _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Sig("DIE", "on_die")
			e.Kernel.Yield("go")
			return nil
		},
		"go": func(e *kernel.Event) any {
			k, s := e.Kernel, e.Session
			caught := func() (msg string) {
				defer func() {
					if r := recover(); r != nil {
						msg = fmt.Sprint(r)
					}
				}()
				k.Call(s, "fail")
				return "nothing"
			}()
			fmt.Printf("caught from own call: %s\n", caught)
			r, _ := k.Call("other", "fail")
			fmt.Printf("call to other returned %s\n", show(r))
			k.Yield("uncaught")
			return nil
		},
		"uncaught": func(e *kernel.Event) any {
			e.Kernel.Call(e.Session, "fail")
			fmt.Println("not reached")
			return nil
		},
		"fail": func(e *kernel.Event) any { panic("self failed") },
		"on_die": func(e *kernel.Event) any {
			ex := e.Arg(1).(*kernel.Exception)
			fmt.Printf("caller got DIE: event=%s error=%v\n", ex.Event, ex.Err)
			e.Kernel.SigHandled()
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("caller _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
