package kernel_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

var update = flag.Bool("update", false, "rewrite the golden traces in testdata")

// TestMain clears POE_KERNEL: this package's tests check POE's order on
// kernel.New() kernels, and run both modes where they apply (bothModes),
// whatever mode the rest of the suite is run in.
func TestMain(m *testing.M) {
	os.Unsetenv(kernel.ModeEnv)
	goleak.VerifyTestMain(m)
}

// create makes a session in k or fails the test.
func create(t testing.TB, k *kernel.Kernel, states kernel.States, args ...any) *kernel.Session {
	t.Helper()
	s, err := session.Create(session.Options{Kernel: k, InlineStates: states, Args: args})
	if err != nil {
		t.Fatalf("session.Create: %v", err)
	}
	return s
}

func TestBadInput(t *testing.T) {
	k := kernel.New()
	results := map[string]error{}
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			results["post to missing alias"] = e.Kernel.Post("nobody", "x")
			results["post to missing id"] = e.Kernel.Post(999, "x")
			results["post with empty event"] = e.Kernel.Post(e.Session, "")
			_, results["call missing"] = e.Kernel.Call("nobody", "x")
			_, results["call empty event"] = e.Kernel.Call(e.Session, "")
			results["negative delay"] = e.Kernel.Delay("x", -time.Second)
			results["empty timer name"] = e.Kernel.Delay("", time.Second)
			_, results["negative delay_set"] = e.Kernel.DelaySet("x", -1)
			results["alias remove missing"] = e.Kernel.AliasRemove("nope")
			_, results["refcount missing"] = e.Kernel.RefcountIncrement(999, "t")
			_, results["alarm remove missing"] = e.Kernel.AlarmRemove(12345)
			results["signal empty"] = e.Kernel.Signal(e.Session, "")
			results["detach self from kernel"] = e.Kernel.DetachMyself()
			return nil
		},
	})
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("taken"); e.Kernel.Yield("go"); return nil },
		"go":     func(e *kernel.Event) any { e.Kernel.AliasRemove("taken"); return nil },
	})
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			results["alias in use"] = e.Kernel.AliasSet("taken")
			results["alias of another"] = e.Kernel.AliasRemove("taken")
			return nil
		},
	})
	if err := k.Run(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}
	want := map[string]error{
		"post to missing alias":   syscall.ESRCH,
		"post to missing id":      syscall.ESRCH,
		"post with empty event":   syscall.EINVAL,
		"call missing":            syscall.ESRCH,
		"call empty event":        syscall.EINVAL,
		"negative delay":          syscall.EINVAL,
		"empty timer name":        syscall.EINVAL,
		"negative delay_set":      syscall.EINVAL,
		"alias remove missing":    syscall.ESRCH,
		"refcount missing":        syscall.ESRCH,
		"alarm remove missing":    syscall.ESRCH,
		"signal empty":            syscall.EINVAL,
		"detach self from kernel": syscall.EPERM,
		"alias in use":            syscall.EEXIST,
		"alias of another":        syscall.EPERM,
	}
	for name, errno := range want {
		t.Run(name, func(t *testing.T) {
			if got := results[name]; !errors.Is(got, errno) {
				t.Errorf("%s = %v, want an error matching %v", name, got, errno)
			}
		})
	}
}

func TestPostToStoppedSessionFails(t *testing.T) {
	k := kernel.New()
	var gone *kernel.Session
	var err error
	gone = create(t, k, kernel.States{})
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Delay("later", time.Millisecond); return nil },
		"later":  func(e *kernel.Event) any { err = e.Kernel.Post(gone, "x"); return nil },
	})
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(err, kernel.ErrNoSuchSession) {
		t.Errorf("Post to a stopped session = %v, want ErrNoSuchSession", err)
	}
	if gone.Alive() {
		t.Errorf("a session with nothing to do is still alive after Run")
	}
}

func TestUnhandledPanicStopsEverythingAndRunReturnsIt(t *testing.T) {
	k := kernel.New()
	var stopped []int
	parent := create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.AliasSet("parent")
			create(t, k, kernel.States{
				"_start": func(e *kernel.Event) any { e.Kernel.Yield("boom"); return nil },
				"boom":   func(e *kernel.Event) any { panic("it broke") },
				"_stop":  func(e *kernel.Event) any { stopped = append(stopped, e.Session.ID()); return nil },
			})
			return nil
		},
		"_stop": func(e *kernel.Event) any { stopped = append(stopped, e.Session.ID()); return nil },
	})
	err := k.Run()
	var x *kernel.Exception
	if !errors.As(err, &x) {
		t.Fatalf("Run() = %v, want a *kernel.Exception", err)
	}
	if x.Err.Error() != "it broke" || x.Event != "boom" || x.Dest.ID() != parent.ID()+1 {
		t.Errorf("Exception = {Err: %q, Event: %q, Dest: %v}, want {it broke, boom, session %d}", x.Err, x.Event, x.Dest, parent.ID()+1)
	}
	if !strings.HasSuffix(x.File, "kernel_test.go") || x.Line == 0 {
		t.Errorf("Exception site = %s:%d, want this file", x.File, x.Line)
	}
	if fmt.Sprint(stopped) != "[2 1]" {
		t.Errorf("stop order = %v, want [2 1] (leaves first)", stopped)
	}
	if k.SessionCount() != 0 {
		t.Errorf("SessionCount() = %d after Run, want 0", k.SessionCount())
	}
	if err := k.Run(); err != nil {
		t.Errorf("second Run() = %v, want nil (the exception is reported once)", err)
	}
}

func TestHandledDieKeepsRunning(t *testing.T) {
	k := kernel.New()
	var got []string
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Sig("DIE", "oops")
			e.Kernel.Yield("boom")
			return nil
		},
		"boom": func(e *kernel.Event) any { panic(errors.New("bad")) },
		"oops": func(e *kernel.Event) any {
			x := e.Args[1].(*kernel.Exception)
			got = append(got, fmt.Sprintf("%s %s %v", e.Args[0], x.Event, x.Err))
			e.Kernel.SigHandled()
			e.Kernel.Yield("after")
			return nil
		},
		"after": func(e *kernel.Event) any { got = append(got, "after"); return nil },
	})
	if err := k.Run(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}
	if want := "[DIE boom bad after]"; fmt.Sprint(got) != want {
		t.Errorf("events = %v, want %s", got, want)
	}
}

func TestFakeClockTimers(t *testing.T) {
	now := time.Duration(0)
	k := kernel.New(kernel.WithClock(func() time.Duration { return now }))
	var fired []string
	var id kernel.AlarmID
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Delay("five", 5*time.Second)
			e.Kernel.Delay("one", time.Second)
			id, _ = e.Kernel.DelaySet("three", 3*time.Second)
			e.Kernel.Delay("gone", 2*time.Second)
			e.Kernel.DelayClear("gone")
			return nil
		},
		"one": func(e *kernel.Event) any {
			fired = append(fired, "one")
			e.Kernel.DelayAdjust(id, 10*time.Second)
			return nil
		},
		"three": func(e *kernel.Event) any { fired = append(fired, "three"); return nil },
		"five":  func(e *kernel.Event) any { fired = append(fired, "five"); return nil },
	})
	steps := []struct {
		at   time.Duration
		want string
	}{
		{0, "[]"},
		{999 * time.Millisecond, "[]"},
		{1001 * time.Millisecond, "[one]"},
		{4 * time.Second, "[one]"},
		{5001 * time.Millisecond, "[one five]"},
		{11002 * time.Millisecond, "[one five three]"},
	}
	for _, st := range steps {
		now = st.at
		k.RunOneTimeslice()
		if got := fmt.Sprint(fired); got != st.want {
			t.Fatalf("at %v fired = %s, want %s", st.at, got, st.want)
		}
	}
	k.RunOneTimeslice()
	if k.SessionCount() != 0 {
		t.Errorf("SessionCount() = %d after its last timer, want 0", k.SessionCount())
	}
}

func TestOSSignalReachesWatchers(t *testing.T) {
	k := kernel.New()
	var got []any
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Sig("USR1", "usr1")
			e.Kernel.RefcountIncrement(e.Session.ID(), "wait")
			e.Kernel.Yield("raise")
			return nil
		},
		"raise": func(e *kernel.Event) any {
			syscall.Kill(os.Getpid(), syscall.SIGUSR1)
			return nil
		},
		"usr1": func(e *kernel.Event) any {
			got = append(got, e.Args...)
			e.Kernel.Sig("USR1", "")
			e.Kernel.RefcountDecrement(e.Session.ID(), "wait")
			return nil
		},
	})
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		k.Outside().Stop()
		<-done
		t.Fatal("SIGUSR1 never reached the session")
	}
	if fmt.Sprint(got) != "[USR1]" {
		t.Errorf("signal args = %v, want [USR1]", got)
	}
}

func TestSigChild(t *testing.T) {
	k := kernel.New()
	var got []any
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.SigChild(4242, "reaped", "ctx")
			go e.Kernel.ChildExit(4242, 7)
			return nil
		},
		"reaped": func(e *kernel.Event) any { got = e.Args; return nil },
	})
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[CHLD 4242 7 ctx]" {
		t.Errorf("SigChild event args = %v, want [CHLD 4242 7 ctx]", got)
	}
}

func TestProtoactorMessageToPID(t *testing.T) {
	k := kernel.New()
	var got []string
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			pid := e.Session.PID()
			if pid == nil {
				t.Error("PID() = nil for a live session")
				return nil
			}
			e.Kernel.ActorSystem().Root.Send(pid, kernel.Message{Event: "hello", Args: []any{"world"}})
			e.Kernel.ActorSystem().Root.Send(pid, 42)
			return nil
		},
		"hello":    func(e *kernel.Event) any { got = append(got, fmt.Sprint("hello ", e.Args[0])); return nil },
		"_message": func(e *kernel.Event) any { got = append(got, fmt.Sprint("message ", e.Args[0])); return nil },
	})
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[hello world message 42]" {
		t.Errorf("messages = %v, want [hello world message 42]", got)
	}
}

func TestOutsidePostAndStopFromAnotherGoroutine(t *testing.T) {
	k := kernel.New()
	got := make(chan any, 1)
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.AliasSet("svc"); return nil },
		"ping":   func(e *kernel.Event) any { got <- e.Args[0]; return nil },
		"_stop":  func(e *kernel.Event) any { return nil },
	})
	// The alias alone would make the kernel idle: hold it with a refcount.
	k.RefcountIncrement(1, "test")
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	if err := k.Outside().Post("svc", "ping", "from outside"); err != nil {
		t.Fatalf("Outside().Post = %v", err)
	}
	if v := <-got; v != "from outside" {
		t.Errorf("ping arg = %v, want %q", v, "from outside")
	}
	k.Outside().Stop()
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
}

// TestGoldenLifecycle records a program's events with a fake clock and
// compares them with testdata/lifecycle.txt (go test -update rewrites it).
func TestGoldenLifecycle(t *testing.T) {
	var trace []string
	log := func(format string, args ...any) { trace = append(trace, fmt.Sprintf(format, args...)) }
	now := time.Duration(0)
	k := kernel.New(kernel.WithClock(func() time.Duration { return now }))
	child := kernel.States{
		"_start": func(e *kernel.Event) any {
			log("%d _start from %d", e.Session.ID(), e.Sender.ID())
			e.Kernel.Delay("tick", time.Second)
			return "hi"
		},
		"tick": func(e *kernel.Event) any { log("%d tick", e.Session.ID()); return nil },
		"_parent": func(e *kernel.Event) any {
			log("%d _parent %d -> %d", e.Session.ID(), id(e.Args[0]), id(e.Args[1]))
			return nil
		},
		"_stop": func(e *kernel.Event) any { log("%d _stop", e.Session.ID()); return "bye" },
	}
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			log("%d _start", e.Session.ID())
			create(t, k, child)
			create(t, k, child)
			e.Kernel.Yield("quit")
			return nil
		},
		"_child": func(e *kernel.Event) any {
			log("%d _child %s %d %v", e.Session.ID(), e.Args[0], id(e.Args[1]), e.Arg(2))
			return nil
		},
		"quit":  func(e *kernel.Event) any { log("%d quit", e.Session.ID()); return nil },
		"_stop": func(e *kernel.Event) any { log("%d _stop", e.Session.ID()); return nil },
	})
	for i := 0; i < 5 && k.SessionCount() > 0; i++ {
		log("-- timeslice at %v", now)
		k.RunOneTimeslice()
		now += 700 * time.Millisecond
	}
	got := strings.Join(trace, "\n") + "\n"
	path := filepath.Join("testdata", "lifecycle.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("trace differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func id(v any) int {
	if s, ok := v.(*kernel.Session); ok {
		return s.ID()
	}
	return -1
}

type closer struct{ closed int }

func (c *closer) Close() error { c.closed++; return nil }

func TestHandlesKeepAliveUntilReleasedAndCloseAtStop(t *testing.T) {
	now := time.Duration(0)
	k := kernel.New(kernel.WithClock(func() time.Duration { return now }))
	held, released, removed := &closer{}, &closer{}, &closer{}
	s := create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.HandleAdd(held)
			e.Kernel.HandleAdd(released)
			e.Kernel.HandleAdd(removed)
			e.Kernel.HandleRelease(released)
			e.Kernel.HandleRemove(removed)
			e.Kernel.Delay("drop", time.Second)
			return nil
		},
		"drop": func(e *kernel.Event) any { e.Kernel.HandleRelease(held); return nil },
	})
	for i := 0; i < 3; i++ {
		k.RunOneTimeslice()
	}
	if !s.Alive() {
		t.Fatal("a session with a held handle stopped")
	}
	now = 2 * time.Second
	k.RunOneTimeslice()
	if s.Alive() {
		t.Fatal("a session whose handles are all released is still alive")
	}
	if held.closed != 1 || released.closed != 1 || removed.closed != 0 {
		t.Errorf("closes at stop: held %d, released %d, removed %d; want 1, 1, 0", held.closed, released.closed, removed.closed)
	}
}

func TestSessionsCreatedInStartJoinTheCreatorsKernel(t *testing.T) {
	k := kernel.New()
	var inner *kernel.Session
	create(t, k, kernel.States{
		"_start": func(e *kernel.Event) any {
			// No Kernel given: the child must land in k, not Default().
			inner, _ = session.Create(session.Options{InlineStates: kernel.States{}})
			return nil
		},
	})
	if inner == nil || inner.Kernel().Session() != inner || k.IDToSession(inner.ID()) != inner {
		t.Fatalf("session created in _start before Run is not in the creator's kernel")
	}
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
}

// TestLinger: Linger takes nothing while Run is not running; what it takes
// while Run runs is closed, once, as Run ends, unless Unlinger took it
// back; and it may be called from another goroutine.
func TestLinger(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts []kernel.Option
	}{{"POE order", nil}, {"Parallel", []kernel.Option{kernel.Parallel()}}} {
		t.Run(mode.name, func(t *testing.T) {
			k := kernel.New(mode.opts...)
			before, kept, dropped, far := &closer{}, &closer{}, &closer{}, &closer{}
			if k.Linger(before) {
				t.Error("Linger took a resource before Run")
			}
			create(t, k, kernel.States{
				"_start": func(e *kernel.Event) any {
					// _start runs before Run.
					if e.Kernel.Linger(before) {
						t.Error("Linger took a resource in _start, before Run")
					}
					e.Kernel.Yield("run")
					return nil
				},
				"run": func(e *kernel.Event) any {
					if !e.Kernel.Linger(kept) || !e.Kernel.Linger(dropped) {
						t.Error("Linger refused a resource while Run runs")
					}
					e.Kernel.Unlinger(dropped)
					done := make(chan bool)
					go func() { done <- e.Kernel.Linger(far) }()
					if !<-done {
						t.Error("Linger refused a resource from another goroutine")
					}
					return nil
				},
			})
			if err := k.Run(); err != nil {
				t.Fatal(err)
			}
			if before.closed != 0 || kept.closed != 1 || dropped.closed != 0 || far.closed != 1 {
				t.Errorf("closed: before Run %d, kept %d, unlingered %d, from a goroutine %d; want 0, 1, 0, 1",
					before.closed, kept.closed, dropped.closed, far.closed)
			}
			if k.Linger(before) {
				t.Error("Linger took a resource after Run")
			}
		})
	}
}
