package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("31_os_signal", false, osSignal) }

// osSignal ports cases/31_os_signal/prog.pl.
func osSignal() {
	handle := true
	kill := func() { syscall.Kill(os.Getpid(), syscall.SIGINT) } // kill INT => $$

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Sig("INT", "int")
			e.Kernel.Delay("timeout", 5*time.Second)
			session.Create(session.Options{Kernel: e.Kernel, InlineStates: kernel.States{
				"_start": func(e *kernel.Event) any {
					e.Kernel.Sig("INT", "int")
					e.Kernel.Delay("timeout", 5*time.Second)
					return nil
				},
				"int": func(e *kernel.Event) any {
					how := ""
					if handle {
						how = ", handles it"
					}
					fmt.Printf("child got %v%s\n", e.Arg(0), how)
					if handle {
						e.Kernel.SigHandled()
					}
					return nil
				},
				"timeout": func(e *kernel.Event) any { fmt.Println("child timeout"); return nil },
				"_stop":   func(e *kernel.Event) any { fmt.Println("child _stop"); return nil },
			}})
			e.Kernel.Yield("go")
			return nil
		},
		"go":    func(e *kernel.Event) any { fmt.Println("parent sends SIGINT"); kill(); return nil },
		"again": func(e *kernel.Event) any { fmt.Println("parent sends SIGINT again"); kill(); return nil },
		"int": func(e *kernel.Event) any {
			fmt.Printf("parent got %v\n", e.Arg(0))
			if handle {
				handle = false
				e.Kernel.Yield("again")
			}
			return nil
		},
		"timeout": func(e *kernel.Event) any { fmt.Println("parent timeout"); return nil },
		"_stop":   func(e *kernel.Event) any { fmt.Println("parent _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
