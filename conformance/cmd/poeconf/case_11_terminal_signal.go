package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("11_terminal_signal", false, terminalSignal) }

// terminalSignal ports cases/11_terminal_signal/prog.pl.
func terminalSignal() {
	handle := true

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("A")
			e.Kernel.Sig("INT", "int")
			session.Create(session.Options{Kernel: e.Kernel, InlineStates: kernel.States{
				"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("B"); e.Kernel.Sig("INT", "int"); return nil },
				"int": func(e *kernel.Event) any {
					how := "returns true"
					if handle {
						how = "handles it"
					}
					fmt.Printf("B got %v, %s\n", e.Arg(0), how)
					if handle {
						e.Kernel.SigHandled()
					}
					return 1
				},
				"_stop": func(e *kernel.Event) any { fmt.Println("B _stop"); return nil },
			}})
			return nil
		},
		"int": func(e *kernel.Event) any { fmt.Printf("A got %v\n", e.Arg(0)); return 1 },
		"_child": func(e *kernel.Event) any {
			if e.Arg(0) != "create" {
				fmt.Printf("A _child %v %d\n", e.Arg(0), e.Arg(1).(*kernel.Session).ID())
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("A _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("D"); return nil },
		"_stop":  func(e *kernel.Event) any { fmt.Println("D _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("C"); e.Kernel.Yield("step", 1); return nil },
		"step": func(e *kernel.Event) any {
			k, step := e.Kernel, e.Arg(0).(int)
			fmt.Printf("C step %d\n", step)
			switch step {
			case 1:
				k.Signal("A", "INT")
			case 2:
				handle = false
				k.Signal("A", "INT")
			case 3:
				k.Signal("D", "TERM")
			default:
				k.AliasRemove("C")
				return nil
			}
			k.Yield("step", step+1)
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("C _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
