package main

import (
	"fmt"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("20_delay_api", true, delayAPI) }

// delayAPI ports cases/20_delay_api/prog.pl.
func delayAPI() {
	ms := time.Millisecond
	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k := e.Kernel
			base := k.Now()
			fmt.Printf("delay d: %s\n", errName(k.Delay("d", 200*ms, "first")))
			fmt.Printf("delay_add d: %s\n", errName(k.DelayAdd("d", 220*ms, "second")))
			fmt.Printf("delay_add d: %s\n", errName(k.DelayAdd("d", 240*ms, "third")))
			fmt.Printf("delay d again: %s\n", errName(k.Delay("d", 50*ms, "replaced")))
			id, err := k.DelaySet("s", 500*ms, "set")
			got := "?"
			if err == nil && id != 0 {
				got = "id"
			}
			fmt.Printf("delay_set: %s\n", got)
			t, _ := k.DelayAdjust(id, 100*ms)
			fmt.Printf("delay_adjust -> %.1f from now\n", t.Sub(k.Now()).Seconds())
			fmt.Printf("delay_add x: %s\n", errName(k.DelayAdd("x", 60*ms)))
			k.DelayClear("x")
			fmt.Printf("delay x cleared: %s\n", "ok")
			fmt.Printf("delay_add y: %s\n", errName(k.DelayAdd("y", 30*ms, "delayed")))
			fmt.Printf("alarm y: %s\n", errName(k.Alarm("y", base.Add(150*ms), "alarmed")))
			fmt.Printf("delay undef name: %s\n", errName(k.Delay("", time.Second)))
			fmt.Printf("delay_add undef name: %s\n", errName(k.DelayAdd("", time.Second)))
			fmt.Printf("delay zero: %s\n", errName(k.Delay("z", 0, "zero")))
			return nil
		},
		"d":     func(e *kernel.Event) any { fmt.Printf("d fired %v\n", e.Arg(0)); return nil },
		"s":     func(e *kernel.Event) any { fmt.Printf("s fired %v\n", e.Arg(0)); return nil },
		"x":     func(e *kernel.Event) any { fmt.Println("x fired"); return nil },
		"y":     func(e *kernel.Event) any { fmt.Printf("y fired %v\n", e.Arg(0)); return nil },
		"z":     func(e *kernel.Event) any { fmt.Printf("z fired %v\n", e.Arg(0)); return nil },
		"_stop": func(e *kernel.Event) any { fmt.Println("_stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
