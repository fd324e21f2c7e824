package main

import (
	"fmt"
	"strings"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("34_object_states", true, objectStates) }

// counter is the Perl program's Counter package.
type counter struct {
	name  string
	count int
}

func (c *counter) Start(e *kernel.Event) any {
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = fmt.Sprint(a)
	}
	fmt.Printf("%s _start args=%s heap start=%v\n", c.name, strings.Join(args, " "), e.Heap["start"])
	e.Kernel.Yield("bump")
	return nil
}

func (c *counter) Bump(e *kernel.Event) any {
	c.count++
	e.Heap["start"] = e.Heap["start"].(int) + 1
	fmt.Printf("%s bump count=%d heap=%v\n", c.name, c.count, e.Heap["start"])
	if c.count < 2 {
		e.Kernel.Yield("bump")
	}
	if c.count == 2 {
		e.Kernel.Yield("renamed")
	}
	return nil
}

func (c *counter) OnRenamed(e *kernel.Event) any {
	fmt.Printf("%s on_renamed for %s\n", c.name, e.State)
	e.Kernel.Yield("inline")
	return nil
}

// objectStates ports cases/34_object_states/prog.pl.
func objectStates() {
	c := &counter{name: "counter"}
	_, err := session.Create(session.Options{
		Kernel: poeKernel,
		ObjectStates: []session.ObjectStates{
			{Object: c, Events: []string{"_start", "bump"}},
			{Object: c, Map: map[string]string{"renamed": "OnRenamed"}},
		},
		InlineStates: kernel.States{
			"inline": func(e *kernel.Event) any { fmt.Printf("inline state, heap=%v\n", e.Heap["start"]); return nil },
			"_stop":  func(e *kernel.Event) any { fmt.Println("_stop"); return nil },
		},
		Heap: kernel.Heap{"start": 10},
		Args: []any{"x", 7},
	})
	if err != nil {
		fmt.Println("create:", err)
	}

	poeKernel.Run()
	fmt.Printf("run returned, count=%d\n", c.count)
}
