package main

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/seed02617006/poe/kernel"
)

// errName prints an error as the Perl programs print POE's return codes
// and $!: "ok" for success, else the errno's name.
func errName(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, syscall.ESRCH):
		return "ESRCH"
	case errors.Is(err, syscall.EEXIST):
		return "EEXIST"
	case errors.Is(err, syscall.EPERM):
		return "EPERM"
	case errors.Is(err, syscall.EINVAL):
		return "EINVAL"
	case errors.Is(err, syscall.EDEADLK):
		return "EDEADLK"
	}
	return "error: " + err.Error()
}

// show prints a value as the Perl programs print scalars: nil is "undef".
func show(v any) string {
	if v == nil {
		return "undef"
	}
	if s, ok := v.(*kernel.Session); ok {
		return fmt.Sprint(s.ID())
	}
	return fmt.Sprint(v)
}

// list prints a slice of values joined by commas, as join(",", @list).
func list(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = show(v)
	}
	return strings.Join(parts, ",")
}

// dieMessage is the stable part of a DIE: the panic's message, as the
// Perl programs strip " at FILE line N.\n" from $@.
func dieMessage(err error) string {
	var x *kernel.Exception
	if errors.As(err, &x) {
		return x.Err.Error()
	}
	return err.Error()
}
