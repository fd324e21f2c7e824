package wheel

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/seed02617006/poe/filter"
)

// Errors returned by the wheels' constructors and methods. Failures of
// the I/O itself are not Go errors: they reach the session as ErrorEvent
// or FailureEvent with POE's (op, errnum, errstr) arguments.
var (
	// ErrNoSession reports a constructor called outside a handler, where
	// there is no session for the wheel to belong to.
	ErrNoSession = errors.New("wheel: constructor called outside a session's handler")
	// ErrHandle reports a ReadWrite without Handle, or without both
	// InputHandle and OutputHandle, or a ListenAccept without Handle.
	ErrHandle = errors.New("wheel: Handle, or InputHandle and OutputHandle, required")
	// ErrEvent reports a required event name left empty.
	ErrEvent = errors.New("wheel: a required event name is missing")
	// ErrMarks reports inconsistent HighMark, LowMark, HighEvent and
	// LowEvent, as POE's "Water mark errors".
	ErrMarks = errors.New("wheel: inconsistent HighMark, LowMark, HighEvent and LowEvent")
	// ErrOption reports an option value the wheel does not support.
	ErrOption = errors.New("wheel: unsupported option")
	// ErrClosed reports a call on a wheel that was closed.
	ErrClosed = errors.New("wheel: closed")
	// ErrNoPeer reports a datagram with no destination: no Addr and Port,
	// and neither PeerAddr nor DefaultAddr on the wheel.
	ErrNoPeer = errors.New("wheel: datagram without a destination")
)

// Errno turns a Go error into POE's ($!+0, "$!") pair: the errno value
// and its message as Perl prints it (glibc's strerror, capitalised). A nil
// error and io.EOF are (0, ""), which is how ReadWrite reports EOF. Errors
// that carry no errno are given the closest one: a closed connection is
// EBADF, a closed pipe EPIPE, a timeout ETIMEDOUT, a cancelled context
// ECANCELED, an address that does not resolve or does not suit the socket
// EADDRNOTAVAIL (as POE's inet_aton failure). A filter's errors are
// EMSGSIZE (filter.ErrTooLong), EBADMSG (filter.ErrMalformed) and EINVAL
// (filter.ErrRecordType), with the filter's own message as errstr;
// anything else is EIO with the error's text. Any goroutine may call it.
func Errno(err error) (num int, str string) {
	if err == nil || errors.Is(err, io.EOF) {
		return 0, ""
	}
	var en syscall.Errno
	switch {
	case errors.As(err, &en):
		return int(en), strerror(en)
	case errors.Is(err, filter.ErrTooLong):
		return int(syscall.EMSGSIZE), err.Error()
	case errors.Is(err, filter.ErrMalformed):
		return int(syscall.EBADMSG), err.Error()
	case errors.Is(err, filter.ErrRecordType):
		return int(syscall.EINVAL), err.Error()
	case errors.Is(err, net.ErrClosed), errors.Is(err, os.ErrClosed):
		return int(syscall.EBADF), strerror(syscall.EBADF)
	case errors.Is(err, io.ErrClosedPipe):
		return int(syscall.EPIPE), strerror(syscall.EPIPE)
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return int(syscall.ETIMEDOUT), strerror(syscall.ETIMEDOUT)
	case errors.Is(err, context.Canceled):
		return int(syscall.ECANCELED), strerror(syscall.ECANCELED)
	}
	var dns *net.DNSError
	var addr *net.AddrError
	if errors.As(err, &dns) || errors.As(err, &addr) {
		return int(syscall.EADDRNOTAVAIL), strerror(syscall.EADDRNOTAVAIL)
	}
	return int(syscall.EIO), err.Error()
}

// strerror is Perl's "$!": Go's errno table holds glibc's messages with a
// lower-case first letter ("connection refused"), Perl prints them as
// strerror gives them ("Connection refused").
func strerror(en syscall.Errno) string {
	s := en.Error()
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// errOp is the name POE gives the step that failed: the system call a Go
// error records ("connect", "bind", "listen", "accept", "socket"), or
// dflt.
func errOp(err error, dflt string) string {
	var se *os.SyscallError
	if errors.As(err, &se) && se.Syscall != "" {
		return se.Syscall
	}
	return dflt
}
