package kernel_test

import (
	"fmt"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// The POE::Kernel synopsis: a session that counts with yield, then stops
// because it has nothing left to do.
func Example() {
	k := kernel.New()
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Yield("next", 1)
			return nil
		},
		"next": func(e *kernel.Event) any {
			n := e.Args[0].(int)
			fmt.Println("tick", n)
			if n < 3 {
				e.Kernel.Yield("next", n+1)
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any {
			fmt.Println("stopped")
			return nil
		},
	}})
	k.Run()
	// Output:
	// tick 1
	// tick 2
	// tick 3
	// stopped
}

// Call is synchronous and returns the handler's value.
func ExampleKernel_Call() {
	k := kernel.New()
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			sum, _ := e.Kernel.Call(e.Session, "add", 2, 3)
			fmt.Println("sum", sum)
			return nil
		},
		"add": func(e *kernel.Event) any { return e.Args[0].(int) + e.Args[1].(int) },
	}})
	k.Run()
	// Output: sum 5
}
