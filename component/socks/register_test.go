package socks

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// recorder is a session that records the events it gets.
type recorder struct {
	mu     sync.Mutex
	events []string
	got    chan string
}

func (r *recorder) states(start func(e *kernel.Event)) kernel.States {
	return kernel.States{
		"_start": func(e *kernel.Event) any {
			if start != nil {
				start(e)
			}
			return nil
		},
		"_default": func(e *kernel.Event) any {
			name, _ := e.Arg(0).(string)
			r.mu.Lock()
			r.events = append(r.events, name)
			r.mu.Unlock()
			r.got <- name
			return nil
		},
		"_stop": func(e *kernel.Event) any { return nil },
		"unregister_me": func(e *kernel.Event) any {
			_ = e.Kernel.Post("socksd", "unregister", e.Args...)
			return nil
		},
	}
}

func (r *recorder) next(t *testing.T) string {
	t.Helper()
	select {
	case n := <-r.got:
		return n
	case <-time.After(waitLimit):
		t.Fatal("no event")
		return ""
	}
}

func TestRegisterUnregister(t *testing.T) {
	tg := newTarget(t, nil)
	h := newHarness(t, Options{Alias: "socksd"})
	// A second session registers for sock_up (with the prefix) and
	// disconnected (without it) only.
	// Run is running, so the session is created from a handler.
	r := &recorder{got: make(chan string, 16)}
	var rs *kernel.Session
	var err error
	h.probe(func() {
		rs, err = session.Create(session.Options{Kernel: h.k, InlineStates: r.states(func(e *kernel.Event) {
			_ = e.Kernel.Post("socksd", "register", "socksd_sock_up", "disconnected")
		})})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := r.next(t); n != "socksd_registered" {
		t.Fatalf("first event %q, want socksd_registered", n)
	}
	c, id := h.connect(tg.port)
	if n := r.next(t); n != "socksd_sock_up" {
		t.Errorf("event %q, want socksd_sock_up (connection is not registered)", n)
	}
	c.Close()
	h.waitID("socksd_disconnected", id)
	if n := r.next(t); n != "socksd_disconnected" {
		t.Errorf("event %q, want socksd_disconnected", n)
	}
	// SendEvent goes to those registered for the name.
	h.srv.SendEvent("socksd_disconnected", "custom")
	if n := r.next(t); n != "socksd_disconnected" {
		t.Errorf("SendEvent: event %q, want socksd_disconnected", n)
	}
	h.wait("socksd_disconnected", func(a []any) bool { return a[0] == "custom" })

	// Unregister both; the session is then let go and stops.
	if err := h.k.Outside().Post(rs, "unregister_me", "sock_up", "socksd_disconnected"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitLimit)
	for rs.Alive() {
		if time.Now().After(deadline) {
			t.Fatal("session still alive after unregistering everything")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c2, _ := h.connect(tg.port)
	c2.Close()
	select {
	case n := <-r.got:
		t.Errorf("unregistered session got %q", n)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestSpawnOutsideHandler(t *testing.T) {
	// Spawned from the kernel's own goroutine: nobody is registered, and
	// the server lives until shutdown.
	k := kernel.New()
	srv, err := Spawn(Options{Kernel: k, Port: AnyPort})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	c, err := net.Dial("tcp", net.JoinHostPort(srv.Address(), itoa(srv.Port())))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	srv.Shutdown()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after Shutdown")
	}
}

func TestSpawnErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"port too big", Options{Port: 65536}},
		{"port negative", Options{Port: -2}},
		{"negative time out", Options{TimeOut: -time.Second}},
		{"negative establish", Options{EstablishTimeOut: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Kernel = kernel.New()
			if _, err := Spawn(tc.opts); !errors.Is(err, ErrOptions) {
				t.Errorf("Spawn(%+v) = %v, want ErrOptions", tc.opts, err)
			}
		})
	}
	t.Run("alias taken", func(t *testing.T) {
		k := kernel.New()
		first, err := Spawn(Options{Kernel: k, Alias: "socksd", Port: AnyPort})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Spawn(Options{Kernel: k, Alias: "socksd", Port: AnyPort}); !errors.Is(err, kernel.ErrExists) {
			t.Errorf("second Spawn with the alias = %v, want ErrExists", err)
		}
		first.Shutdown()
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestListenerFailed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	k := kernel.New()
	got := make(chan []any, 1)
	_, err = session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			if _, err := Spawn(Options{Kernel: e.Kernel, Port: ln.Addr().(*net.TCPAddr).Port}); err != nil {
				t.Errorf("Spawn on a port in use = %v, want an event instead", err)
			}
			return nil
		},
		"socksd_listener_failed": func(e *kernel.Event) any {
			got <- e.Args
			return nil
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// The server shuts down after the failure, so Run returns.
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-got:
		if a[0] != "bind" || a[1] != int(syscall.EADDRINUSE) || a[2] != "Address already in use" {
			t.Errorf("socksd_listener_failed = %v, want [bind 98 Address already in use]", a)
		}
	default:
		t.Fatal("no socksd_listener_failed")
	}
}
