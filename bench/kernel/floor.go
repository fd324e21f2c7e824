package main

import (
	"fmt"
	"strconv"
	"time"
)

// floorSession is the least a POE session is: its ID, its place among its
// parent's children, its states, its heap and its alias. It has no event
// queue, reference count, signals or Events, which a kernel adds.
type floorSession struct {
	id                    int
	parent                *floorSession
	firstChild, lastChild *floorSession
	prevSib, nextSib      *floorSession
	states                map[string]func()
	heap                  map[string]any
	alias                 string
}

// sessionsFloor is the sessions workload in plain Go, with no kernel: per
// session one record and its heap (handlers write to it from _start on, so
// it cannot wait), found by ID in a slice (IDs are sequential) and by alias
// in a Go map.
// It is what creating POE sessions costs at the least on this machine, so
// bench/run.sh shows how far the kernel is from it and what ratio to Perl
// any kernel could reach.
func sessionsFloor(n int) error {
	names := make([]string, n)
	for i := range names {
		names[i] = "s" + strconv.Itoa(i+1)
	}
	states := map[string]func(){"_start": func() {}}
	byID := []*floorSession{nil}
	byAlias := map[string]*floorSession{}
	root := &floorSession{}
	base, err := vmRSS()
	if err != nil {
		return err
	}
	t0 := time.Now()
	for i := 0; i < n; i++ {
		s := &floorSession{id: i + 1, parent: root, states: states, heap: map[string]any{}, alias: names[i]}
		if root.lastChild == nil {
			root.firstChild = s
		} else {
			root.lastChild.nextSib, s.prevSib = s, root.lastChild
		}
		root.lastChild = s
		byID = append(byID, s)
		byAlias[s.alias] = s
	}
	d := time.Since(t0)
	rss, err := vmRSS()
	if err != nil {
		return err
	}
	if len(byID) != n+1 || len(byAlias) != n {
		return fmt.Errorf("floor: %d IDs and %d aliases, want %d", len(byID), len(byAlias), n)
	}
	report(n, d, fmt.Sprintf(" rss_per=%.0f rss_total=%d", float64(rss-base)/float64(n), rss))
	return nil
}
