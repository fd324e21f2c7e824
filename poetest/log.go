// Package poetest helps test POE programs: a Log that handlers write to
// and the test goroutine waits on.
//
//	log := poetest.NewLog()
//	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
//		"got_line": func(e *kernel.Event) any { log.Add("line %s", e.Args[0]); return nil },
//	}})
//	go k.Run()
//	log.WaitFor(t, "line ", 1)
package poetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Log collects lines from handlers for a test goroutine. Any goroutine
// may call its methods.
type Log struct {
	// Patience bounds every WaitFor (default 20 s), so a broken program
	// fails its test instead of hanging it.
	Patience time.Duration

	mu     sync.Mutex
	lines  []string
	notify chan struct{}
}

// NewLog returns an empty Log.
func NewLog() *Log {
	return &Log{Patience: 20 * time.Second, notify: make(chan struct{}, 1)}
}

// Add appends a line made with fmt.Sprintf.
func (l *Log) Add(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
	select {
	case l.notify <- struct{}{}:
	default:
	}
}

// All returns a copy of the lines so far.
func (l *Log) All() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// Count returns how many lines begin with prefix.
func (l *Log) Count(prefix string) int {
	n := 0
	for _, s := range l.All() {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// WaitFor waits until n lines begin with prefix and returns the n-th; it
// fails t past Patience.
func (l *Log) WaitFor(t testing.TB, prefix string, n int) string {
	t.Helper()
	deadline := time.After(l.Patience)
	for {
		seen := 0
		for _, s := range l.All() {
			if strings.HasPrefix(s, prefix) {
				if seen++; seen >= n {
					return s
				}
			}
		}
		select {
		case <-l.notify:
		case <-deadline:
			t.Fatalf("waited %v for %d lines %q; got %q", l.Patience, n, prefix, l.All())
			return ""
		}
	}
}
