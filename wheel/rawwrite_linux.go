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

// rawScratch is the reusable space of writeNow and spliceOut, which run
// under the wheel's wbusy, one at a time; fn is built once, so a write
// allocates nothing.
type rawScratch struct {
	iov []syscall.Iovec
	n   int
	fn  func(uintptr) bool

	// spliceOut's
	p     *pipe
	want  int
	wait  bool
	serr  error
	outFn func(uintptr) bool
}

// writev is writeNow's callback: one writev of iov.
func (sc *rawScratch) writev(fd uintptr) bool {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&sc.iov[0])), uintptr(len(sc.iov)))
		if e == syscall.EINTR {
			continue
		}
		if e == 0 {
			sc.n = int(r)
		}
		return true
	}
}

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
	sc.iov, sc.n = iov, 0
	if len(iov) > 0 {
		if sc.fn == nil {
			sc.fn = sc.writev
		}
		_ = rc.Write(sc.fn)
	}
	clear(iov) // keep no pointers into the buffers
	sc.iov = iov[:0]
	return sc.n
}

// rawReader returns in's raw connection when the reader may wait for
// data before it takes a buffer (see ReadWrite.readRaw), or nil.
func rawReader(in any) syscall.RawConn { return rawWriter(in) }

// rawRead is the reader goroutine's state for readRaw and spliceIn; fn
// and spliceFn are built once, so a read allocates nothing.
type rawRead struct {
	c        *rwChunk
	n        int
	err      error
	fn       func(uintptr) bool
	p        *pipe
	spliceFn func(uintptr) bool
}

// read is readRaw's callback: it reads into a pooled buffer of c.size
// bytes, and returns false, holding no buffer, when there is nothing to
// read yet.
func (r *rawRead) read(fd uintptr) bool {
	p := getBuf(r.c.size)
	var n int
	var err error
	for {
		n, err = syscall.Read(int(fd), *p)
		if err != syscall.EINTR {
			break
		}
	}
	if err == syscall.EAGAIN {
		putBuf(p)
		r.c.buf = nil
		return false
	}
	r.c.buf, r.n, r.err = p, max(n, 0), err
	return true
}
