// Package session creates POE sessions: POE::Session->create with inline
// and object states.
package session

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/seed02617006/poe/kernel"
)

// Options are POE::Session->create's arguments.
type Options struct {
	// Kernel to create the session in. nil: the kernel whose handler is
	// calling Create (its view when called with e.Kernel unavailable),
	// else kernel.Default().
	Kernel       *kernel.Kernel
	InlineStates kernel.States // shared with the session, not copied: don't change it after Create
	ObjectStates []ObjectStates
	Args         []any          // ARG0.. of _start
	Heap         kernel.Heap    // nil: an empty Heap
	Options      map[string]any // "trace", "debug", "default"
}

// ObjectStates binds events to an object's methods, as POE's object_states
// and package_states. A method used as a state has the signature
// func (o *T) GotLine(e *kernel.Event) any.
type ObjectStates struct {
	Object any
	// Events lists event names; each maps to the method named by
	// MethodName ("got_line" → GotLine, "_start" → Start).
	Events []string
	// Map binds event names to method names when they differ.
	Map map[string]string
}

// MethodName is the rule that turns an event name into a method name: drop
// leading underscores, then capitalise each underscore-separated word:
// "got_line" → "GotLine", "_start" → "Start", "socksd_registered" →
// "SocksdRegistered".
func MethodName(event string) string {
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimLeft(event, "_"), "_") {
		if part == "" {
			continue
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// Create creates a session, runs its _start at once, and returns it. See
// kernel.Kernel.CreateSession for the order of events. It returns an error
// when an object state names a method that does not exist or has the wrong
// signature.
func Create(opts Options) (*kernel.Session, error) {
	k := opts.Kernel
	if k == nil {
		k = kernel.Current()
	}
	// The kernel shares the states map until State changes it, so with
	// inline states only, the caller's map is used as it is: creating a
	// million sessions from one map makes no copies.
	states := opts.InlineStates
	if len(opts.ObjectStates) > 0 {
		states = kernel.States{}
		for _, os := range opts.ObjectStates {
			if err := bindObject(states, os); err != nil {
				return nil, err
			}
		}
		for name, h := range opts.InlineStates {
			states[name] = h
		}
	}
	spec := kernel.SessionSpec{States: states, Heap: opts.Heap, Args: opts.Args}
	for name, v := range opts.Options {
		on := truthy(v)
		switch name {
		case "trace":
			spec.Trace = on
		case "default":
			spec.Default = on
		case "debug":
			spec.Default = spec.Default || on
		}
	}
	return k.CreateSession(spec)
}

func bindObject(states kernel.States, os ObjectStates) error {
	if os.Object == nil {
		return fmt.Errorf("session: object states with a nil object")
	}
	v := reflect.ValueOf(os.Object)
	bind := func(event, method string) error {
		m := v.MethodByName(method)
		if !m.IsValid() {
			return fmt.Errorf("session: %T has no method %s for event %q", os.Object, method, event)
		}
		if h, ok := m.Interface().(func(*kernel.Event) any); ok {
			states[event] = h
			return nil
		}
		return fmt.Errorf("session: %T.%s is not func(*kernel.Event) any", os.Object, method)
	}
	for _, ev := range os.Events {
		if err := bind(ev, MethodName(ev)); err != nil {
			return err
		}
	}
	for ev, method := range os.Map {
		if err := bind(ev, method); err != nil {
			return err
		}
	}
	return nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case string:
		return x != "" && x != "0"
	}
	return true
}
