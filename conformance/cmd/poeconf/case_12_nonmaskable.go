package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("12_nonmaskable", false, nonmaskable) }

// nonmaskable ports cases/12_nonmaskable/prog.pl.
func nonmaskable() {
	target := func(name, signal string) {
		session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
			"_start": func(e *kernel.Event) any {
				e.Kernel.AliasSet(name)
				e.Kernel.Sig(signal, "got")
				return nil
			},
			"got": func(e *kernel.Event) any {
				fmt.Printf("%s got %v, calls sig_handled\n", name, e.Arg(0))
				e.Kernel.SigHandled()
				return nil
			},
			"_stop": func(e *kernel.Event) any { fmt.Printf("%s _stop\n", name); return nil },
		}})
	}

	target("ui", "UIDESTROY")
	target("zombie", "ZOMBIE")
	target("handled", "INT")

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("go"); return nil },
		"go": func(e *kernel.Event) any {
			k := e.Kernel
			k.Signal("ui", "UIDESTROY")
			k.Signal("zombie", "ZOMBIE")
			k.Signal("handled", "INT")
			k.Yield("check")
			return nil
		},
		"check": func(e *kernel.Event) any {
			for _, name := range []string{"ui", "zombie", "handled"} {
				state := "gone"
				if e.Kernel.AliasResolve(name) != nil {
					state = "alive"
				}
				fmt.Printf("%s is %s\n", name, state)
			}
			e.Kernel.Signal("handled", "UIDESTROY")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("driver _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
