package main

import (
	"fmt"
	"runtime"
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
// It is what creating POE sessions costs at the least on this machine:
// bench/run.sh shows its ratio to Perl, the most any kernel could reach,
// under the kernel's own row.
func sessionsFloor(n int) error {
	names := aliasNames(n)
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
	// The tables are live until RSS is read, as the kernel's are.
	runtime.KeepAlive(byID)
	runtime.KeepAlive(byAlias)
	report(n, d, fmt.Sprintf(" rss_per=%.0f rss_total=%d", float64(rss-base)/float64(n), rss))
	return nil
}
