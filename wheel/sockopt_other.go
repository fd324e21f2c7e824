//go:build !unix

package wheel

import "syscall"

// reuseControl leaves the platform's defaults: SO_REUSEADDR has another
// meaning on Windows.
func reuseControl(bool) func(network, address string, c syscall.RawConn) error { return nil }

// setBacklog is not offered outside Unix; Go's backlog stays.
func setBacklog(syscall.Conn, int) error { return nil }
