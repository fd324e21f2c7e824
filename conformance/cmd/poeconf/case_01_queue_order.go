package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("01_queue_order", false, queueOrder) }

// queueOrder ports cases/01_queue_order/prog.pl.
func queueOrder() {
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k, s := e.Kernel, e.Session
			base := k.Now()
			k.Post(s, "ev", "post1")
			k.Yield("ev", "yield2")
			k.AlarmAdd("ev", base.Add(-time.Second), "past_alarm")
			k.DelayAdd("ev", 0, "delay0")
			k.AlarmAdd("ev", base.Add(100*time.Millisecond), "tie1")
			k.AlarmAdd("ev", base.Add(100*time.Millisecond), "tie2")
			k.AlarmAdd("ev", base.Add(100*time.Millisecond), "tie3")
			k.Post(s, "ev", "post3")
			fmt.Println("start done")
			return nil
		},
		"ev": func(e *kernel.Event) any {
			k, what := e.Kernel, e.Arg(0)
			fmt.Printf("ev %v\n", what)
			if what == "post1" {
				k.Yield("ev", "yield_from_post1")
				k.AlarmAdd("ev", k.Now().Add(-time.Second), "past_from_post1")
				k.DelayAdd("ev", 0, "delay0_from_post1")
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
