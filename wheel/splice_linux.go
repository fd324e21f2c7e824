package wheel

import (
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
)

// Forwarding between two sockets moves the bytes with splice(2), through
// a pipe, without copying them into the process, as Go's io.Copy between
// TCP connections does. What the destination does not take at once stays
// in the pipe, which is queued on the destination as an output chunk, so
// the reader never waits for the destination; the pipe goes back to its
// pool once its bytes are written: an idle tunnel holds no pipe.

const (
	spliceMove     = 0x1 // SPLICE_F_MOVE
	spliceNonblock = 0x2 // SPLICE_F_NONBLOCK
)

// spliceOK says whether forwarding may splice on this system.
const spliceOK = true

// pipe is a pooled pipe, empty when in the pool. A pipe the pool drops
// is closed by its cleanup; one closed earlier (it held bytes that were
// dropped) stops the cleanup first, so that its descriptors, by then
// perhaps another connection's, are not closed twice.
type pipe struct {
	r, w    int
	cleanup runtime.Cleanup
}

var pipePool = sync.Pool{New: func() any {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return nil
	}
	// Room for one whole forwarded read; the default 64 KiB would cut
	// a splice short. Refused (a lower pipe-max-size), splice just
	// moves less at a time.
	_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, uintptr(fds[1]), syscall.F_SETPIPE_SZ, maxForward)
	p := &pipe{r: fds[0], w: fds[1]}
	p.cleanup = runtime.AddCleanup(p, func(fds [2]int) {
		syscall.Close(fds[0])
		syscall.Close(fds[1])
	}, fds)
	return p
}}

func getPipe() *pipe {
	p, _ := pipePool.Get().(*pipe)
	return p
}

// spliceIn waits for input on w's socket and moves up to maxForward
// bytes of it into a pooled pipe. It returns the pipe (nil at EOF or on
// error) and the bytes in it. ok is false when no pipe could be made:
// the caller then reads the ordinary way. Only the reader goroutine
// calls it.
func (w *ReadWrite) spliceIn() (p *pipe, n int, err error, ok bool) {
	r := &w.rd
	if r.spliceFn == nil {
		r.spliceFn = r.splice
	}
	r.p, r.n, r.err = nil, 0, nil
	rerr := w.rawIn.Read(r.spliceFn)
	p, n, serr := r.p, r.n, r.err
	r.p, r.err = nil, nil
	switch {
	case rerr != nil:
		err = rerr
	case p == nil:
		return nil, 0, nil, false
	case serr != nil:
		err = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("splice", serr)}
	case n == 0:
		err = io.EOF
	}
	if err != nil && p != nil {
		pipePool.Put(p) // empty: nothing was moved
		p = nil
	}
	return p, n, err, true
}

// splice is spliceIn's callback: socket to a pooled pipe, or false, with
// the pipe back in its pool, when there is nothing to read yet.
func (r *rawRead) splice(fd uintptr) bool {
	if r.p = getPipe(); r.p == nil {
		return true
	}
	for {
		m, err := syscall.Splice(int(fd), nil, r.p.w, nil, maxForward, spliceMove|spliceNonblock)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			pipePool.Put(r.p)
			r.p = nil
			return false
		}
		r.n, r.err = int(max(m, 0)), err
		return true
	}
}

// close closes a pipe that still holds bytes; it is not used again.
func (p *pipe) close() {
	p.cleanup.Stop()
	syscall.Close(p.r)
	syscall.Close(p.w)
}

// spliceOut moves up to n bytes from p to the socket rc. Without wait it
// moves what the socket takes now; with wait it waits for the socket
// until all n are moved or it fails. It runs under the wheel's wbusy, so
// sc is its own.
func spliceOut(rc syscall.RawConn, p *pipe, n int, wait bool, sc *rawScratch) (int, error) {
	if sc.outFn == nil {
		sc.outFn = sc.spliceOut
	}
	sc.p, sc.want, sc.wait, sc.n, sc.serr = p, n, wait, 0, nil
	err := rc.Write(sc.outFn)
	moved, serr := sc.n, sc.serr
	sc.p, sc.serr = nil, nil
	if err == nil && serr != nil {
		err = &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("splice", serr)}
	}
	return moved, err
}

// spliceOut is spliceOut's callback.
func (sc *rawScratch) spliceOut(fd uintptr) bool {
	for sc.n < sc.want {
		m, err := syscall.Splice(sc.p.r, nil, int(fd), nil, sc.want-sc.n, spliceMove|spliceNonblock)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			return !sc.wait
		}
		if err != nil {
			sc.serr = err
			return true
		}
		if m <= 0 {
			sc.serr = io.ErrNoProgress
			return true
		}
		sc.n += int(m)
	}
	return true
}
