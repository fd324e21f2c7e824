package wheel

import (
	"net"
	"syscall"
	"unsafe"
)

// rawWriter returns out's raw connection when the session may write to
// it directly (see ReadWrite.flushInline), or nil. Only sockets qualify:
// the Go runtime always puts them in non-blocking mode, where a file or a
// pipe may be in blocking mode and a direct write could stall the
// kernel's loop.
func rawWriter(out any) syscall.RawConn {
	var sc syscall.Conn
	switch c := out.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// rawScratch is writeNow's reusable space.
type rawScratch struct{ iov []syscall.Iovec }

// writeNow makes one writev of bufs on rc without waiting and returns the
// bytes written. It reports no error: when the socket takes nothing (it
// is full, or broken) it returns 0, and the writer goroutine, which
// waits and reports errors, takes over.
func writeNow(rc syscall.RawConn, bufs [][]byte, sc *rawScratch) int {
	iov := sc.iov[:0]
	for _, b := range bufs {
		if len(iov) == maxIovec {
			break
		}
		if len(b) > 0 {
			v := syscall.Iovec{Base: &b[0]}
			v.SetLen(len(b))
			iov = append(iov, v)
		}
	}
	n := 0
	if len(iov) > 0 {
		_ = rc.Write(func(fd uintptr) bool {
			for {
				r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
				if e == syscall.EINTR {
					continue
				}
				if e == 0 {
					n = int(r)
				}
				return true
			}
		})
	}
	clear(iov) // keep no pointers into the buffers
	sc.iov = iov[:0]
	return n
}

// rawReader returns in's raw connection when the reader may wait for
// data before it takes a buffer (see ReadWrite.readRaw), or nil.
func rawReader(in any) syscall.RawConn { return rawWriter(in) }

// readNow reads from fd into a pooled buffer of size bytes. It returns
// false, holding no buffer, when there is nothing to read yet.
func readNow(fd uintptr, size int) (p *[]byte, n int, err error, ready bool) {
	p = getBuf(size)
	for {
		n, err = syscall.Read(int(fd), *p)
		if err != syscall.EINTR {
			break
		}
	}
	if err == syscall.EAGAIN {
		putBuf(p)
		return nil, 0, nil, false
	}
	if n < 0 {
		n = 0
	}
	return p, n, err, true
}
