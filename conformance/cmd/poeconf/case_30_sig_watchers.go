package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("30_sig_watchers", true, sigWatchers) }

// sigWatchers ports cases/30_sig_watchers/prog.pl.
func sigWatchers() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k := e.Kernel
			k.AliasSet("w")
			k.Sig("USR1", "first", "a")
			k.Sig("USR1", "second", "b", "c")
			k.Sig("USR2", "first")
			k.Sig("USR2", "")
			k.Signal(e.Session, "USR1", "x")
			k.Signal(e.Session, "USR2", "y")
			k.Yield("next")
			return nil
		},
		"first":  func(e *kernel.Event) any { fmt.Printf("first: %s\n", words(e.Args)); return nil },
		"second": func(e *kernel.Event) any { fmt.Printf("second: %s\n", words(e.Args)); return nil },
		"next": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Println("next")
			k.Sig("USR1", "")
			k.Signal(e.Session, "USR1", "z")
			k.Yield("last")
			return nil
		},
		"last": func(e *kernel.Event) any {
			fmt.Println("last: still alive")
			e.Kernel.AliasRemove("w")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("_stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
