package kernel

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// The kernel's sentinel errors. Each one matches, with errors.Is, the errno
// that POE sets in $! for the same failure, so code ported from Perl that
// tests for ESRCH or EEXIST can test errors.Is(err, syscall.ESRCH).
var (
	ErrNoSuchSession = &errnoError{"kernel: no such session", syscall.ESRCH}
	ErrExists        = &errnoError{"kernel: alias is in use by another session", syscall.EEXIST}
	ErrNotPermitted  = &errnoError{"kernel: operation not permitted", syscall.EPERM}
	ErrInvalid       = &errnoError{"kernel: invalid argument", syscall.EINVAL}
	ErrDeadlock      = &errnoError{"kernel: call would deadlock", syscall.EDEADLK}
	ErrStopped       = errors.New("kernel: kernel is stopped")
)

// errnoError is a sentinel that also matches its errno.
type errnoError struct {
	msg   string
	errno syscall.Errno
}

func (e *errnoError) Error() string { return e.msg }

// Is reports whether target is e's errno, so that
// errors.Is(ErrNoSuchSession, syscall.ESRCH) holds.
func (e *errnoError) Is(target error) bool {
	errno, ok := target.(syscall.Errno)
	return ok && errno == e.errno
}

// Exception describes a panic in a handler. It is ARG1 of the DIE signal
// (ARG0 is "DIE"), as the hash POE passes there, and the error Run returns
// when no session handles the DIE.
type Exception struct {
	Err       error    // the panic value as an error
	Event     string   // the event being handled
	Dest      *Session // the session whose handler panicked
	Source    *Session // the event's sender
	FromState string   // the state the event was sent from
	File      string   // where the handler panicked
	Line      int
}

func (e *Exception) Error() string {
	return fmt.Sprintf("kernel: event %q in session %d panicked: %v", e.Event, e.Dest.ID(), e.Err)
}

// Unwrap returns the panic value as an error.
func (e *Exception) Unwrap() error { return e.Err }

// panicError turns a recovered value into an error: an error stays itself, a
// string becomes errors.New of it unchanged, anything else is formatted.
func panicError(v any) error {
	switch x := v.(type) {
	case error:
		return x
	case string:
		return errors.New(x)
	default:
		return fmt.Errorf("%v", x)
	}
}

// panicSite finds the file and line of the panicking frame: the first frame
// below runtime.gopanic that is not in the runtime.
func panicSite() (string, int) {
	var pcs [32]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	sawPanic := false
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" || f.Function == "panic" {
			sawPanic = true
		} else if sawPanic && f.File != "" && !isRuntime(f.Function) {
			return f.File, f.Line
		}
		if !more {
			return "", 0
		}
	}
}

func isRuntime(fn string) bool {
	return len(fn) >= 8 && fn[:8] == "runtime."
}
