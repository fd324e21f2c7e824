package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("29_die_in_handlers", false, dieInHandlers) }

// dieInHandlers ports cases/29_die_in_handlers/prog.pl.
func dieInHandlers() {
	firstLine := func(s string) string { return strings.SplitN(s, "\n", 2)[0] }

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Delay("tick", 50*time.Millisecond); return nil },
		"tick":   func(e *kernel.Event) any { fmt.Println("other tick"); return nil },
		"_stop":  func(e *kernel.Event) any { fmt.Println("other _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { fmt.Println("dier _start"); return nil },
		"_stop":  func(e *kernel.Event) any { fmt.Println("dier _stop"); panic("stop failed\n") },
	}})

	if err := poeKernel.Run(); err != nil {
		fmt.Printf("first run died: %s\n", firstLine(dieMessage(err)))
	}

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Sig("DIE", "on_die"); e.Kernel.Yield("boom"); return nil },
		"boom":   func(e *kernel.Event) any { panic("first\n") },
		"on_die": func(e *kernel.Event) any {
			fmt.Printf("on_die got: %s\n", firstLine(e.Arg(1).(*kernel.Exception).Err.Error()))
			panic("second\n")
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("handler _stop"); return nil },
	}})

	if err := poeKernel.Run(); err != nil {
		fmt.Printf("second run died: %s\n", firstLine(dieMessage(err)))
	}
	fmt.Println("done")
}
