package main

import (
	"fmt"
	"strings"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func init() { register("22_alias_api", false, aliasAPI) }

// aliasAPI ports cases/22_alias_api/prog.pl.
func aliasAPI() {
	idOf := func(s *kernel.Session) string {
		if s == nil {
			return "undef"
		}
		return fmt.Sprint(s.ID())
	}

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Printf("set zeta: %s\n", errName(k.AliasSet("zeta")))
			fmt.Printf("set alpha: %s\n", errName(k.AliasSet("alpha")))
			fmt.Printf("set mid: %s\n", errName(k.AliasSet("mid")))
			fmt.Printf("set zeta again: %s\n", errName(k.AliasSet("zeta")))
			fmt.Printf("remove mid: %s\n", errName(k.AliasRemove("mid")))
			fmt.Printf("own aliases: %s\n", strings.Join(k.AliasList(), ","))
			return nil
		},
		"bye": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Printf("first got bye from %d\n", e.Sender.ID())
			for _, a := range k.AliasList() {
				k.AliasRemove(a)
			}
			fmt.Printf("aliases left: %d\n", len(k.AliasList()))
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("first _stop"); return nil },
	}})

	session.Create(session.Options{Kernel: poeKernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			k := e.Kernel
			fmt.Printf("second set zeta: %s\n", errName(k.AliasSet("zeta")))
			fmt.Printf("second remove zeta: %s\n", errName(k.AliasRemove("zeta")))
			fmt.Printf("second remove nope: %s\n", errName(k.AliasRemove("nope")))
			fmt.Printf("resolve alpha: %s\n", idOf(k.AliasResolve("alpha")))
			fmt.Printf("resolve 1: %s\n", idOf(k.AliasResolve(1)))
			fmt.Printf("resolve nope: %s\n", idOf(k.AliasResolve("nope")))
			fmt.Printf("aliases of 1: %s\n", strings.Join(k.AliasList(k.IDToSession(1)), ","))
			fmt.Printf("aliases of alpha: %s\n", strings.Join(k.AliasList(k.AliasResolve("alpha")), ","))
			fmt.Printf("second's aliases: %d\n", len(k.AliasList()))
			fmt.Printf("ID_id_to_session 1: %s\n", idOf(k.IDToSession(1)))
			s := k.IDToSession(42)
			esrch := ""
			if s == nil {
				esrch = " ESRCH"
			}
			fmt.Printf("ID_id_to_session 42: %s%s\n", idOf(s), esrch)
			k.Call("alpha", "bye")
			return nil
		},
		"_stop": func(e *kernel.Event) any { fmt.Println("second _stop"); return nil },
	}})

	poeKernel.Run()
	fmt.Println("run returned")
}
