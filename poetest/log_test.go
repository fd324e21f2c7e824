package poetest_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/poetest"
	"github.com/seed02617006/poe/session"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLogWaitsForHandlers(t *testing.T) {
	k := kernel.New()
	log := poetest.NewLog()
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Delay("tick", 10*time.Millisecond, 1); return nil },
		"tick": func(e *kernel.Event) any {
			n := e.Args[0].(int)
			log.Add("tick %d", n)
			if n < 3 {
				e.Kernel.Delay("tick", 10*time.Millisecond, n+1)
			}
			return nil
		},
	}})
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	if got := log.WaitFor(t, "tick ", 3); got != "tick 3" {
		t.Errorf("third tick = %q, want %q", got, "tick 3")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := log.Count("tick"); n != 3 {
		t.Errorf("Count(tick) = %d, want 3", n)
	}
}

// failT records a failure instead of stopping the test.
type failT struct {
	testing.TB
	failed bool
}

func (f *failT) Helper()               {}
func (f *failT) Fatalf(string, ...any) { f.failed = true }

func TestLogWaitForGivesUp(t *testing.T) {
	log := poetest.NewLog()
	log.Patience = 20 * time.Millisecond
	ft := &failT{TB: t}
	log.WaitFor(ft, "never", 1)
	if !ft.failed {
		t.Error("WaitFor for a line that never comes did not fail")
	}
}
