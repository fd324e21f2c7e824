package main

import (
	"fmt"
	"strings"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("10_signal_tree", false, signalTree) }

func signalTreeLevel(k *kernel.Kernel, depth int) *kernel.Session {
	name := fmt.Sprintf("L%d", depth)
	s, _ := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k := e.Kernel
			k.AliasSet(name)
			k.Sig("USR1", "got_sig", "watch-"+name)
			k.Sig("SHUTDOWN", "shutdown")
			if depth < 3 {
				signalTreeLevel(k, depth+1)
			}
			if depth == 1 {
				err := k.Signal(e.Session, "USR1", "one", "two")
				fmt.Printf("signal to L1: %s\n", errName(err))
				fmt.Println("signal is queued, L1 _start ends")
			}
			return nil
		},
		"got_sig": func(e *kernel.Event) any {
			args := make([]string, len(e.Args))
			for i, a := range e.Args {
				args[i] = fmt.Sprint(a)
			}
			fmt.Printf("%s got %s\n", name, strings.Join(args, " "))
			return nil
		},
		"next": func(e *kernel.Event) any {
			k := e.Kernel
			err := k.Signal("L2", "USR1", "to-L2")
			fmt.Printf("signal to L2: %s\n", errName(err))
			err = k.Signal("nobody", "USR1")
			fmt.Printf("signal to nobody: %s\n", errName(err))
			k.Post("L3", "last")
			return nil
		},
		"last": func(e *kernel.Event) any {
			fmt.Printf("%s last: nobody stopped\n", name)
			e.Kernel.Signal(e.Kernel, "SHUTDOWN", "to-kernel")
			return nil
		},
		"shutdown": func(e *kernel.Event) any {
			fmt.Printf("%s got %v %v\n", name, e.Arg(0), e.Arg(1))
			e.Kernel.AliasRemove(name)
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Printf("%s _stop\n", name); return nil },
	}})
	return s
}

// signalTree ports cases/10_signal_tree/prog.pl.
func signalTree() {
	signalTreeLevel(poeKernel, 1)
	poeKernel.Post("L1", "next")
	poeKernel.Run()
	fmt.Println("run returned")
}
