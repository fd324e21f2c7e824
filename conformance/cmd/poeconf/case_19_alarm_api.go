package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("19_alarm_api", false, alarmAPI) }

// alarmAPI ports cases/19_alarm_api/prog.pl.
func alarmAPI() {
	var base time.Time
	rel := func(t time.Time) string { return fmt.Sprintf("%.2f", t.Sub(base).Seconds()) }
	at := func(secs float64) time.Time { return base.Add(time.Duration(secs * float64(time.Second))) }

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k := e.Kernel
			k.AliasSet("owner")
			base = k.Now()
			id1, err1 := k.AlarmSet("a1", at(0.2), "one")
			id2, err2 := k.AlarmSet("a2", at(0.1), "two", "2")
			ids := "?"
			if err1 == nil && err2 == nil && id1 != id2 {
				ids = "distinct"
			}
			fmt.Printf("alarm_set ids: %s\n", ids)
			e.Heap["id1"] = id1
			t, _ := k.AlarmAdjust(id1, -150*time.Millisecond)
			fmt.Printf("alarm_adjust a1 -> %s\n", rel(t))
			a, _ := k.AlarmRemove(id2)
			fmt.Printf("alarm_remove -> %s %s [%s]\n", a.Event, rel(a.At), strings.Trim(fmt.Sprint(a.Args), "[]"))
			_, err := k.AlarmRemove(id2)
			fmt.Printf("alarm_remove again: %s\n", errName(err))
			_, err = k.AlarmAdjust(id2, time.Second)
			fmt.Printf("alarm_adjust removed: %s\n", errName(err))
			_, err = k.AlarmSet("", base)
			fmt.Printf("alarm_set undef name: %s\n", errName(err))
			fmt.Printf("alarm undef name: %s\n", errName(k.Alarm("", base)))
			fmt.Printf("alarm_add: %s\n", errName(k.AlarmAdd("a3", at(0.9), "three")))
			fmt.Printf("alarm_add: %s\n", errName(k.AlarmAdd("a4", at(0.8))))
			fmt.Printf("alarm a5: %s\n", errName(k.Alarm("a5", at(0.6))))
			fmt.Printf("alarm a5 again: %s\n", errName(k.Alarm("a5", at(0.5), "again")))
			fmt.Printf("alarm_add a6: %s\n", errName(k.AlarmAdd("a6", at(0.7))))
			k.AlarmClear("a6")
			fmt.Printf("alarm a6 cleared: %s\n", "ok")
			return nil
		},
		"a1": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Printf("a1 fired %v\n", e.Arg(0))
			id7, _ := k.AlarmSet("a7", at(5))
			k.Post("other", "meddle", e.Heap["id1"], id7)
			return nil
		},
		"a5": func(e *kernel.Event) any {
			fmt.Printf("a5 fired %s\n", show(e.Arg(0)))
			return nil
		},
		"done": func(e *kernel.Event) any {
			k := e.Kernel
			all := k.AlarmRemoveAll()
			shown := make([]string, len(all))
			for i, a := range all {
				args := make([]string, len(a.Args))
				for j, v := range a.Args {
					args[j] = fmt.Sprint(v)
				}
				shown[i] = fmt.Sprintf("%s@%s[%s]", a.Event, rel(a.At), strings.Join(args, ","))
			}
			fmt.Printf("alarm_remove_all: %s\n", strings.Join(shown, " "))
			all = k.AlarmRemoveAll()
			fmt.Printf("alarm_remove_all again: %d\n", len(all))
			k.Yield("finish")
			return nil
		},
		"finish": func(e *kernel.Event) any { e.Kernel.AliasRemove("owner"); return nil },
		"_stop":  func(e *kernel.Event) any { fmt.Println("owner _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("other"); return nil },
		"meddle": func(e *kernel.Event) any {
			k := e.Kernel
			fired, pending := e.Arg(0).(kernel.AlarmID), e.Arg(1).(kernel.AlarmID)
			_, err := k.AlarmRemove(pending)
			fmt.Printf("other alarm_remove: %s\n", errName(err))
			_, err = k.AlarmAdjust(pending, time.Second)
			fmt.Printf("other alarm_adjust: %s\n", errName(err))
			_, err = k.AlarmRemove(fired)
			fmt.Printf("other alarm_remove fired: %s\n", errName(err))
			k.Post("owner", "done")
			k.AliasRemove("other")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("other _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
