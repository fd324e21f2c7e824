package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("25_postback_callback", false, postbackCallback) }

// words prints a list as Perl interpolates "@list".
func words(v any) string {
	vs := v.([]any)
	parts := make([]string, len(vs))
	for i, x := range vs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, " ")
}

// postbackCallback ports cases/25_postback_callback/prog.pl.
func postbackCallback() {
	var postback *kernel.Postback
	var callback *kernel.Callback

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			postback = e.Session.Postback("got_pb", "c1", "c2")
			callback = e.Session.Callback("got_cb", "cc")
			fmt.Println("holder made a postback and a callback")
			return nil
		},
		"got_pb": func(e *kernel.Event) any {
			fmt.Printf("holder got_pb from %d req=[%s] resp=[%s]\n", e.Sender.ID(), words(e.Arg(0)), words(e.Arg(1)))
			return nil
		},
		"got_cb": func(e *kernel.Event) any {
			fmt.Printf("holder got_cb from %d req=[%s] resp=[%s]\n", e.Sender.ID(), words(e.Arg(0)), words(e.Arg(1)))
			return fmt.Sprintf("cb-%v", e.Arg(1).([]any)[0])
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("holder _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("use"); return nil },
		"use": func(e *kernel.Event) any {
			postback.Post("a", "b")
			fmt.Println("user posted through the postback")
			r := callback.Call("x")
			fmt.Printf("user: callback returned %v\n", r)
			callback.Release()
			e.Kernel.Delay("later", 50*time.Millisecond)
			return nil
		},
		"later": func(e *kernel.Event) any {
			postback.Post("late")
			postback.Release()
			fmt.Println("user released the postback")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("user _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
