package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("06_stop_gain", false, stopGain) }

// stopGainStates is the Perl program's states(): the lifecycle handlers
// every session shares, plus its own.
func stopGainStates(name string, more kernel.States) kernel.States {
	states := kernel.States{
		"_child": func(e *kernel.Event) any {
			what, child, ret := e.Arg(0), e.Arg(1).(*kernel.Session), e.Arg(2)
			fmt.Printf("%s _child %v %d %s\n", name, what, child.ID(), show(ret))
			return nil
		},
		"_parent": func(e *kernel.Event) any {
			old, new := e.Arg(0).(*kernel.Session), e.Arg(1).(*kernel.Session)
			to := "kernel"
			if new.ID() != 0 {
				to = fmt.Sprint(new.ID())
			}
			fmt.Printf("%s _parent %d -> %s\n", name, old.ID(), to)
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Printf("%s _stop\n", name); return "bye-" + name },
	}
	for ev, h := range more {
		states[ev] = h
	}
	return states
}

// stopGain ports cases/06_stop_gain/prog.pl.
func stopGain() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: stopGainStates("A", kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("A")
			b, _ := session.Create(session.Options{Kernel: e.Kernel, InlineStates: stopGainStates("B", kernel.States{
				"_start": func(e *kernel.Event) any {
					e.Kernel.Sig("TERM", "term")
					session.Create(session.Options{Kernel: e.Kernel, InlineStates: stopGainStates("C", kernel.States{
						"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("C"); return "C-started" },
					})})
					return "B-started"
				},
				"term": func(e *kernel.Event) any {
					fmt.Printf("B got %v\n", e.Arg(0))
					session.Create(session.Options{Kernel: e.Kernel, InlineStates: stopGainStates("D", kernel.States{
						"_start": func(e *kernel.Event) any { e.Kernel.Delay("tick", 50*time.Millisecond); return "D-started" },
						"tick": func(e *kernel.Event) any {
							fmt.Println("D tick")
							e.Kernel.Post("A", "done")
							return nil
						},
					})})
					return nil
				},
			})})
			e.Kernel.Signal(b, "TERM")
			return nil
		},
		"done": func(e *kernel.Event) any { fmt.Println("A done"); e.Kernel.AliasRemove("A"); return nil },
	})})

	poeKernel.Run()
	fmt.Println("run returned")
}
