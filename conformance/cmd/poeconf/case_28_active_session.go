package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("28_active_session", false, activeSession) }

func activeWhere(k *kernel.Kernel, label string) {
	s, ev := "kernel", k.ActiveEvent()
	if id := k.ActiveSession().ID(); id != 0 {
		s = fmt.Sprint(id)
	}
	if ev == "" {
		ev = "none"
	}
	fmt.Printf("%s: session %s event %s\n", label, s, ev)
}

// activeSession ports cases/28_active_session/prog.pl.
func activeSession() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			activeWhere(e.Kernel, "callee _start")
			e.Kernel.AliasSet("callee")
			return nil
		},
		"inner": func(e *kernel.Event) any {
			activeWhere(e.Kernel, "callee inner")
			fmt.Printf("callee inner sender %d\n", e.Sender.ID())
			e.Kernel.AliasRemove("callee")
			return "inner-ret"
		},
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			activeWhere(e.Kernel, "caller _start")
			e.Kernel.Yield("outer")
			return nil
		},
		"outer": func(e *kernel.Event) any {
			k := e.Kernel
			activeWhere(k, "caller outer before call")
			r, _ := k.Call("callee", "inner")
			activeWhere(k, fmt.Sprintf("caller outer after call (%v)", r))
			k.Call(e.Session, "self")
			return nil
		},
		"self": func(e *kernel.Event) any { activeWhere(e.Kernel, "caller self"); return nil },
	}})

	activeWhere(poeKernel, "top level")
	poeKernel.Run()
	fmt.Println("run returned")
}
