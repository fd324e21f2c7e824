package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("26_refcount_api", false, refcountAPI) }

// refcountAPI ports cases/26_refcount_api/prog.pl.
func refcountAPI() {
	count := func(n int, err error) string {
		if err != nil {
			return errName(err)
		}
		return fmt.Sprint(n)
	}
	alive := func(k *kernel.Kernel, id int) string {
		if k.IDToSession(id) != nil {
			return "alive"
		}
		return "gone"
	}

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k, id := e.Kernel, e.Session.ID()
			fmt.Printf("inc a: %s\n", count(k.RefcountIncrement(id, "a")))
			fmt.Printf("inc a: %s\n", count(k.RefcountIncrement(id, "a")))
			fmt.Printf("inc b: %s\n", count(k.RefcountIncrement(id, "b")))
			fmt.Printf("dec a: %s\n", count(k.RefcountDecrement(id, "a")))
			fmt.Printf("dec a: %s\n", count(k.RefcountDecrement(id, "a")))
			fmt.Printf("inc missing: %s\n", count(k.RefcountIncrement(99, "x")))
			fmt.Printf("dec missing: %s\n", count(k.RefcountDecrement(99, "x")))
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("held _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Delay("release", 100*time.Millisecond); return nil },
		"release": func(e *kernel.Event) any {
			fmt.Printf("releaser: held is %s\n", alive(e.Kernel, 1))
			fmt.Printf("dec b: %s\n", count(e.Kernel.RefcountDecrement(1, "b")))
			e.Kernel.Yield("check")
			return nil
		},
		"check": func(e *kernel.Event) any {
			fmt.Printf("releaser: held is %s\n", alive(e.Kernel, 1))
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("releaser _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
