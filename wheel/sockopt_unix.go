//go:build unix

package wheel

import (
	"os"
	"syscall"
)

// reuseControl sets SO_REUSEADDR as SocketFactory's Reuse asks, before
// bind. Go turns it on for every listener; POE leaves it off unless Reuse
// is given, and so does a SocketFactory.
func reuseControl(reuse bool) func(network, address string, c syscall.RawConn) error {
	v := 0
	if reuse {
		v = 1
	}
	return func(network, address string, c syscall.RawConn) error {
		if network == "unix" || network == "unixgram" {
			return nil
		}
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, v)
		})
		if err != nil {
			return err
		}
		if serr != nil {
			return os.NewSyscallError("setsockopt", serr)
		}
		return nil
	}
}

// setBacklog applies ListenQueue to a listening socket: Go listens with
// the system's maximum, and listen(2) again on a listening socket changes
// its backlog.
func setBacklog(c syscall.Conn, n int) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := raw.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), n) }); err != nil {
		return err
	}
	if lerr != nil {
		return os.NewSyscallError("listen", lerr)
	}
	return nil
}
