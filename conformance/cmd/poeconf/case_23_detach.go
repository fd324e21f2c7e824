package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("23_detach", false, detach) }

func detachNameOf(s *kernel.Session) string {
	if s.ID() == 0 {
		return "kernel"
	}
	return fmt.Sprint(s.ID())
}

func detachChild(k *kernel.Kernel, name string, delay time.Duration, states kernel.States) *kernel.Session {
	all := kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Delay("done", delay); return nil },
		"_parent": func(e *kernel.Event) any {
			fmt.Printf("%s _parent %s -> %s\n", name, detachNameOf(e.Arg(0).(*kernel.Session)), detachNameOf(e.Arg(1).(*kernel.Session)))
			return nil
		},
		"done":  func(e *kernel.Event) any { fmt.Printf("%s done\n", name); return nil },
		"_stop": func(e *kernel.Event) any { fmt.Printf("%s _stop\n", name); return nil },
	}
	for ev, h := range states {
		all[ev] = h
	}
	s, _ := session.Create(session.Options{Kernel: k, InlineStates: all})
	return s
}

// detach ports cases/23_detach/prog.pl.
func detach() {
	ms := time.Millisecond
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k, heap := e.Kernel, e.Heap
			heap["c1"] = detachChild(k, "c1", 50*ms, kernel.States{"_start": func(e *kernel.Event) any {
				err := e.Kernel.DetachMyself()
				fmt.Printf("c1 detach_myself in _start: %s\n", errName(err))
				err = e.Kernel.DetachMyself()
				fmt.Printf("c1 detach_myself again: %s\n", errName(err))
				e.Kernel.Delay("done", 50*ms)
				return nil
			}})
			heap["c2"] = detachChild(k, "c2", 100*ms, nil)
			heap["c3"] = detachChild(k, "c3", 150*ms, kernel.States{"leave": func(e *kernel.Event) any {
				err := e.Kernel.DetachMyself()
				fmt.Printf("c3 detach_myself: %s\n", errName(err))
				return nil
			}})
			k.Yield("go")
			return nil
		},
		"go": func(e *kernel.Event) any {
			k, heap := e.Kernel, e.Heap
			err := k.DetachChild(heap["c2"].(*kernel.Session))
			fmt.Printf("parent detach_child c2: %s\n", errName(err))
			err = k.DetachChild(heap["c2"].(*kernel.Session))
			fmt.Printf("parent detach_child c2 again: %s\n", errName(err))
			err = k.DetachChild(heap["c1"].(*kernel.Session))
			fmt.Printf("parent detach_child c1: %s\n", errName(err))
			err = k.DetachChild(k.AliasResolve("nobody"))
			fmt.Printf("parent detach_child nobody: %s\n", errName(err))
			err = k.DetachMyself()
			fmt.Printf("parent detach_myself: %s\n", errName(err))
			k.Call(heap["c3"], "leave")
			heap.Delete("c1")
			heap.Delete("c2")
			heap.Delete("c3")
			return nil
		},
		"_child": func(e *kernel.Event) any {
			fmt.Printf("parent _child %v %d\n", e.Arg(0), e.Arg(1).(*kernel.Session).ID())
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("parent _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
