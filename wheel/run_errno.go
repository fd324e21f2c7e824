package wheel

import (
	"errors"
	"io"
	"os"
	"syscall"

	"github.com/seed02617006/poe/filter"
)

// runErrno is the errno POE would leave in $! for err, the errnum of Run's
// and FollowTail's ErrorEvent: 0 at end of file (POE reads EOF as a read
// with $! unset), the errno itself for system errors, and the closest
// errno for the failures that have none (a filter's bad input is EINVAL,
// an over-long record EMSGSIZE).
func runErrno(err error) int {
	if err == nil || errors.Is(err, io.EOF) {
		return 0
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return int(errno)
	}
	switch {
	case errors.Is(err, os.ErrClosed):
		return int(syscall.EBADF)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return int(syscall.ETIMEDOUT)
	case errors.Is(err, os.ErrNotExist):
		return int(syscall.ENOENT)
	case errors.Is(err, os.ErrPermission):
		return int(syscall.EACCES)
	case errors.Is(err, filter.ErrTooLong):
		return int(syscall.EMSGSIZE)
	case errors.Is(err, filter.ErrMalformed), errors.Is(err, filter.ErrRecordType):
		return int(syscall.EINVAL)
	}
	return int(syscall.EIO)
}

// runErrstr is the errstr that goes with runErrno: "" at end of file, the
// errno's text for system errors ($! as a string), else the error's text.
func runErrstr(err error) string {
	if err == nil || errors.Is(err, io.EOF) {
		return ""
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}
