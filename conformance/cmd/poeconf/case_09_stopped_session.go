package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("09_stopped_session", false, stoppedSession) }

// stoppedSession ports cases/09_stopped_session/prog.pl.
func stoppedSession() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("keeper")
			e.Kernel.Delay("finish", 50*time.Millisecond)
			return nil
		},
		"hello": func(e *kernel.Event) any {
			fmt.Printf("keeper hello from %d (%v)\n", e.Sender.ID(), e.Arg(0))
			return nil
		},
		"ask": func(e *kernel.Event) any { fmt.Printf("keeper ask from %d\n", e.Sender.ID()); return "answer" },
		"finish": func(e *kernel.Event) any {
			k := e.Kernel
			err := k.Post(2, "hello", "to stopped")
			fmt.Printf("keeper post to stopped session: %s\n", errName(err))
			k.AliasRemove("keeper")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("keeper _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k, s := e.Kernel, e.Session
			k.Signal(s, "UIDESTROY")
			k.Post("keeper", "hello", "queued before stop")
			k.Yield("never")
			return nil
		},
		"never": func(e *kernel.Event) any { fmt.Println("doomed never"); return nil },
		"_stop": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Println("doomed _stop")
			err := k.Post("keeper", "hello", "from _stop")
			fmt.Printf("doomed post from _stop: %s\n", errName(err))
			r, _ := k.Call("keeper", "ask")
			fmt.Printf("doomed call from _stop: %v\n", r)
			return nil
		},
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
