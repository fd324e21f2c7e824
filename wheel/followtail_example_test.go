package wheel_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// Following a log file: the lines already there are skipped, the lines
// appended later are reported.
func ExampleNewFollowTail() {
	dir, err := os.MkdirTemp("", "followtail")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.log")
	os.WriteFile(path, []byte("written before\n"), 0o644)

	k := kernel.New()
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			tail, err := wheel.NewFollowTail(e.Kernel, wheel.FollowTailOptions{
				Filename:     path,
				InputEvent:   "got_line",
				PollInterval: 10 * time.Millisecond,
			})
			if err != nil {
				fmt.Println(err)
				return nil
			}
			e.Heap["tail"] = tail
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("written after\nthe end\n")
			f.Close()
			return nil
		},
		"got_line": func(e *kernel.Event) any {
			fmt.Println(e.Args[0])
			if e.Args[0] == "the end" {
				e.Heap.Delete("tail")
			}
			return nil
		},
	}})
	k.Run()
	// Output:
	// written after
	// the end
}
