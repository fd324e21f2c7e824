// Command poeconf runs one conformance case: the Go port of the Perl POE
// program in conformance/cases/NAME/prog.pl. Every case runs in a fresh
// process, so session IDs start at 1 as they do in Perl.
//
// Usage:
//
//	poeconf [-parallel] NAME
//	poeconf -list
//
// With -parallel, a case that is marked parallel-safe (its output does not
// depend on how sessions interleave) runs on kernel.New(kernel.Parallel());
// so does one marked for its lines (each line is Perl's, though sessions
// may print them in another order); other cases run on the POE-faithful
// default kernel as usual.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/seed02617006/poe/kernel"
)

// conformanceCase is one registered port.
type conformanceCase struct {
	run func()
	// parallelSafe is true when the case's output does not depend on
	// the interleaving of different sessions, so that it must print the
	// same lines under kernel.Parallel(); lines, when only the order of
	// its lines does, so that it must print the same lines in some order.
	parallelSafe bool
	lines        bool
}

var cases = map[string]conformanceCase{}

// register adds a case; each case_*.go file calls it from init.
func register(name string, parallelSafe bool, run func()) {
	if _, dup := cases[name]; dup {
		panic("poeconf: case registered twice: " + name)
	}
	cases[name] = conformanceCase{run: run, parallelSafe: parallelSafe}
}

// registerLines adds a case whose lines each hold under kernel.Parallel(),
// though its sessions may print them in another order.
func registerLines(name string, run func()) {
	register(name, true, run)
	c := cases[name]
	c.lines = true
	cases[name] = c
}

// poeKernel is the ported programs' $poe_kernel: kernel.Default(), or a
// parallel kernel under -parallel for cases that opt in. Top-level code
// creates its sessions in it and runs it; handlers use e.Kernel.
var poeKernel *kernel.Kernel

func main() {
	parallel := flag.Bool("parallel", false, "run parallel-safe cases on kernel.New(kernel.Parallel())")
	list := flag.Bool("list", false, "list the cases, one per line: NAME and, for parallel-safe cases, \"parallel\" or, when only their lines are, \"parallel-lines\"")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: poeconf [-parallel] NAME | poeconf -list\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *list {
		names := make([]string, 0, len(cases))
		for name := range cases {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			switch c := cases[name]; {
			case c.lines:
				fmt.Println(name, "parallel-lines")
			case c.parallelSafe:
				fmt.Println(name, "parallel")
			default:
				fmt.Println(name)
			}
		}
		return
	}
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	c, ok := cases[flag.Arg(0)]
	if !ok {
		fmt.Fprintf(os.Stderr, "poeconf: no case %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if *parallel && c.parallelSafe {
		poeKernel = kernel.New(kernel.Parallel())
	} else {
		poeKernel = kernel.Default()
	}
	c.run()
}
