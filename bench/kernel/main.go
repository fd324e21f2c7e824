// Command kernel measures the POE kernel's speed on one workload and prints
// one machine-readable line that bench/run.sh parses. The same workloads are
// written in Perl POE in bench/perl, so the two rates compare like for like.
//
//	kernel -w post -n 5000000
//	  rate=12345678.9 n=5000000 secs=0.405
//
// Workloads: post (ping-pong between two sessions, events/s), yield (a yield
// loop, events/s), call (one session calls another's handler, calls/s) and
// sessions (create sessions that each hold an alias, then run the kernel so
// IDLE collects them; sessions/s of the creation loop and VmRSS per session)
// and sessions-floor (the same in plain Go with no kernel: see floor.go).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/seed02617006/poe/bench/internal/loadkit"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func main() {
	w := flag.String("w", "", "workload: post, yield, call, sessions or sessions-floor")
	n := flag.Int("n", 1000000, "events, calls or sessions")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *n < 2 {
		fmt.Fprintln(os.Stderr, "kernel: -n must be at least 2")
		os.Exit(2)
	}
	loadkit.Run("kernel", *cpuprofile, func() error {
		switch *w {
		case "post":
			return post(*n)
		case "yield":
			return yield(*n)
		case "call":
			return call(*n)
		case "sessions":
			return sessions(*n)
		case "sessions-floor":
			return sessionsFloor(*n)
		}
		return fmt.Errorf("unknown workload %q (want post, yield, call, sessions or sessions-floor)", *w)
	})
}

func report(n int, d time.Duration, extra string) {
	fmt.Printf("rate=%.1f n=%d secs=%.3f%s\n", float64(n)/d.Seconds(), n, d.Seconds(), extra)
}

// post mirrors bench/perl/post.pl: each of the n events is one post and one
// dispatch.
func post(n int) error {
	k := kernel.New()
	left := n
	_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("pong"); return nil },
		"ping":   func(e *kernel.Event) any { e.Kernel.Post(e.Sender, "pong"); return nil },
		"stop":   func(e *kernel.Event) any { e.Kernel.AliasRemove("pong"); return nil },
	}})
	if err != nil {
		return err
	}
	_, err = session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Post("pong", "ping"); return nil },
		"pong": func(e *kernel.Event) any {
			left -= 2
			if left > 0 {
				e.Kernel.Post(e.Sender, "ping")
			} else {
				e.Kernel.Post(e.Sender, "stop")
			}
			return nil
		},
	}})
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := k.Run(); err != nil {
		return err
	}
	report(n, time.Since(t0), "")
	return nil
}

// yield mirrors bench/perl/yield.pl.
func yield(n int) error {
	k := kernel.New()
	left := n
	_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("next"); return nil },
		"next": func(e *kernel.Event) any {
			if left--; left > 0 {
				e.Kernel.Yield("next")
			}
			return nil
		},
	}})
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := k.Run(); err != nil {
		return err
	}
	report(n, time.Since(t0), "")
	return nil
}

// call mirrors bench/perl/call.pl: only the call loop is timed.
func call(n int) error {
	k := kernel.New()
	var d time.Duration
	var loopErr error
	_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("target"); return nil },
		"add":    func(e *kernel.Event) any { return e.Args[0].(int) + 1 },
		"done":   func(e *kernel.Event) any { e.Kernel.AliasRemove("target"); return nil },
	}})
	if err != nil {
		return err
	}
	_, err = session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("go"); return nil },
		"go": func(e *kernel.Event) any {
			target := e.Kernel.AliasResolve("target")
			sum := 0
			t0 := time.Now()
			for i := 0; i < n; i++ {
				v, err := e.Kernel.Call(target, "add", 1)
				if err != nil {
					loopErr = err
					break
				}
				sum += v.(int)
			}
			d = time.Since(t0)
			if loopErr == nil && sum != 2*n {
				loopErr = fmt.Errorf("sum = %d, want %d", sum, 2*n)
			}
			e.Kernel.Post(target, "done")
			return nil
		},
	}})
	if err != nil {
		return err
	}
	if err := k.Run(); err != nil {
		return err
	}
	if loopErr != nil {
		return loopErr
	}
	report(n, d, "")
	return nil
}

// sessions mirrors bench/perl/sessions.pl. The names are made before the
// baseline so that RSS per session counts the session and its alias entry,
// as the Perl side does with its @names.
func sessions(n int) error {
	k := kernel.New()
	names := aliasNames(n)
	states := kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet(e.Args[0].(string)); return nil },
	}
	base, err := vmRSS()
	if err != nil {
		return err
	}
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if _, err := session.Create(session.Options{Kernel: k, InlineStates: states, Args: []any{names[i]}}); err != nil {
			return fmt.Errorf("session %d: %w", i+1, err)
		}
	}
	d := time.Since(t0)
	rss, err := vmRSS()
	if err != nil {
		return err
	}
	t1 := time.Now()
	if err := k.Run(); err != nil {
		return err
	}
	run := time.Since(t1)
	report(n, d, fmt.Sprintf(" rss_per=%.0f rss_total=%d run_secs=%.3f",
		float64(rss-base)/float64(n), rss, run.Seconds()))
	return nil
}

// aliasNames makes the n aliases of the sessions workloads, "s1" on, as
// bench/perl/sessions.pl does.
func aliasNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "s" + strconv.Itoa(i+1)
	}
	return names
}

// vmRSS reads the resident set size in bytes from /proc/self/status, as the
// Perl side does.
func vmRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:")); ok {
			f := bytes.Fields(v)
			if len(f) != 2 || string(f[1]) != "kB" {
				break
			}
			kb, err := strconv.ParseInt(string(f[0]), 10, 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no VmRSS line in /proc/self/status")
}
