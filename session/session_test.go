package session_test

import (
	"fmt"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMethodName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"got_line", "GotLine"},
		{"_start", "Start"},
		{"socksd_registered", "SocksdRegistered"},
		{"__double__under", "DoubleUnder"},
		{"plain", "Plain"},
	} {
		if got := session.MethodName(tc.in); got != tc.want {
			t.Errorf("MethodName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type counter struct{ log []string }

func (c *counter) Start(e *kernel.Event) any {
	c.log = append(c.log, fmt.Sprint("start ", e.Args[0]))
	e.Kernel.Yield("got_line", "hello")
	return nil
}
func (c *counter) GotLine(e *kernel.Event) any {
	c.log = append(c.log, "line "+e.Args[0].(string))
	e.Kernel.Yield("renamed")
	return nil
}
func (c *counter) Other(e *kernel.Event) any { c.log = append(c.log, "other "+e.State); return nil }
func (c *counter) Wrong(x int) any           { return nil }

func TestObjectStates(t *testing.T) {
	k := kernel.New()
	c := &counter{}
	_, err := session.Create(session.Options{
		Kernel: k,
		Args:   []any{42},
		ObjectStates: []session.ObjectStates{{
			Object: c,
			Events: []string{"_start", "got_line"},
			Map:    map[string]string{"renamed": "Other"},
		}},
		InlineStates: kernel.States{"_stop": func(e *kernel.Event) any { c.log = append(c.log, "stop"); return nil }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.log, "|"), "start 42|line hello|other renamed|stop"; got != want {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestObjectStatesErrors(t *testing.T) {
	k := kernel.New()
	for _, tc := range []struct {
		name string
		os   session.ObjectStates
		want string
	}{
		{"missing method", session.ObjectStates{Object: &counter{}, Events: []string{"nope"}}, "has no method Nope"},
		{"wrong signature", session.ObjectStates{Object: &counter{}, Map: map[string]string{"x": "Wrong"}}, "is not func(*kernel.Event) any"},
		{"nil object", session.ObjectStates{Events: []string{"x"}}, "nil object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := session.Create(session.Options{Kernel: k, ObjectStates: []session.ObjectStates{tc.os}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Create = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if k.SessionCount() != 0 {
		t.Errorf("failed Create left %d sessions", k.SessionCount())
	}
}
