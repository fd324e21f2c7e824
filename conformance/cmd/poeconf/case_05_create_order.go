package main

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("05_create_order", true, createOrder) }

func createOrderStates(name string, depth int) kernel.States {
	return kernel.States{
		"_start": func(e *kernel.Event) any {
			sender := "kernel"
			if e.Sender.ID() != 0 {
				sender = fmt.Sprint(e.Sender.ID())
			}
			fmt.Printf("%s _start id=%d sender=%s args=%s\n", name, e.Session.ID(), sender, list(e.Args))
			if depth < 2 {
				child, _ := session.Create(session.Options{
					Kernel:       e.Kernel,
					InlineStates: createOrderStates(name+".1", depth+1),
					Args:         []any{"from-" + name, depth + 1},
				})
				fmt.Printf("%s create returned %d\n", name, child.ID())
			}
			fmt.Printf("%s _start ends\n", name)
			return "ret-" + name
		},
		"_child": func(e *kernel.Event) any {
			what, child, ret := e.Arg(0), e.Arg(1).(*kernel.Session), e.Arg(2)
			fmt.Printf("%s _child %v %d %s\n", name, what, child.ID(), show(ret))
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Printf("%s _stop\n", name); return "stop-" + name },
	}
}

// createOrder ports cases/05_create_order/prog.pl.
func createOrder() {
	top, _ := session.Create(session.Options{
		Kernel:       poeKernel,
		InlineStates: createOrderStates("top", 0),
		Args:         []any{"x", "y"},
	})
	fmt.Printf("top create returned %d\n", top.ID())

	poeKernel.Run()
	fmt.Println("run returned")
}
