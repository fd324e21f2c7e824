package wheel

import (
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
)

// ReadWriteOptions are POE::Wheel::ReadWrite's parameters. The zero value
// of each field is POE's default.
type ReadWriteOptions struct {
	// Handle is read from and written to. It excludes InputHandle and
	// OutputHandle (POE: Handle takes precedence; here giving both is an
	// error).
	Handle io.ReadWriter
	// InputHandle and OutputHandle are the handles to read from and to
	// write to when they differ (standard input and output).
	InputHandle  io.Reader
	OutputHandle io.Writer

	// Filter parses input and serialises output. It excludes InputFilter
	// and OutputFilter. With none of the three, one new filter.Line does
	// both; with only one of InputFilter and OutputFilter, a new Line is
	// the other.
	Filter       filter.Filter
	InputFilter  filter.Filter
	OutputFilter filter.Filter

	// InputEvent gets (record, wheelID) for each record the input filter
	// parses. Empty: the wheel does not read at all, as in POE.
	InputEvent string
	// ErrorEvent gets (op, errnum, errstr, wheelID): op is "read" or
	// "write"; errnum 0 with op "read" is EOF. See Errno for how Go errors
	// become errnum and errstr.
	ErrorEvent string
	// FlushedEvent gets (wheelID) each time the output buffer becomes
	// empty.
	FlushedEvent string

	// HighMark and LowMark, in bytes of buffered output, go together and
	// must be above zero; LowMark must be below HighMark. HighEvent gets
	// (wheelID) when the buffer reaches HighMark, LowEvent (wheelID) when
	// it drains to LowMark after that. LowMark requires LowEvent, and
	// HighEvent requires HighMark, as in POE.
	HighMark  int
	LowMark   int
	HighEvent string
	LowEvent  string
}

// withDefaults validates o and fills in POE's defaults. It returns the
// input and output handles too.
func (o ReadWriteOptions) withDefaults() (ReadWriteOptions, io.Reader, io.Writer, error) {
	var in io.Reader
	var out io.Writer
	switch {
	case o.Handle != nil:
		if o.InputHandle != nil || o.OutputHandle != nil {
			return o, nil, nil, fmt.Errorf("%w: Handle excludes InputHandle and OutputHandle", ErrHandle)
		}
		in, out = o.Handle, o.Handle
	case o.InputHandle != nil && o.OutputHandle != nil:
		in, out = o.InputHandle, o.OutputHandle
	default:
		return o, nil, nil, ErrHandle
	}
	if o.Filter != nil {
		if o.InputFilter != nil || o.OutputFilter != nil {
			return o, nil, nil, fmt.Errorf("%w: Filter excludes InputFilter and OutputFilter", ErrOption)
		}
		o.InputFilter, o.OutputFilter = o.Filter, o.Filter
	} else if o.InputFilter == nil || o.OutputFilter == nil {
		// POE: one new Line serves the side (or both sides) not given.
		l := filter.NewLine()
		if o.InputFilter == nil {
			o.InputFilter = l
		}
		if o.OutputFilter == nil {
			o.OutputFilter = l
		}
	}
	o.Filter = nil
	if err := checkMarks(o.HighMark, o.LowMark, o.HighEvent, o.LowEvent); err != nil {
		return o, nil, nil, err
	}
	return o, in, out, nil
}

func checkMarks(high, low int, highEvent, lowEvent string) error {
	switch {
	case high < 0 || low < 0:
		return fmt.Errorf("%w: HighMark and LowMark must be above 0", ErrMarks)
	case (high > 0) != (low > 0):
		return fmt.Errorf("%w: HighMark and LowMark require each other", ErrMarks)
	case high > 0 && low >= high:
		return fmt.Errorf("%w: LowMark %d is not below HighMark %d", ErrMarks, low, high)
	case highEvent != "" && high == 0:
		return fmt.Errorf("%w: HighEvent requires a HighMark", ErrMarks)
	case (low > 0) != (lowEvent != ""):
		return fmt.Errorf("%w: LowMark and LowEvent require each other", ErrMarks)
	}
	return nil
}

const (
	// minChunk is the first read buffer of a wheel. A read that fills its
	// buffer doubles it, up to maxChunk (POE::Driver::SysRW's BlockSize),
	// so an idle connection holds 4 KiB and a busy stream reads 64 KiB at
	// a time.
	minChunk = 4 << 10
	maxChunk = 64 << 10
	// maxForward is the largest read of a wheel that forwards (see
	// Forward): with no records to cut, bigger reads only mean fewer
	// system calls.
	maxForward = 128 << 10
	// readAhead is how many chunks a reader may have read that the
	// session has not yet taken: one being parsed, one being read. It is
	// the whole of the back-pressure: a fast sender fills the kernel's
	// socket buffer, not ours.
	readAhead = 2
	// maxFilterErrors bounds the filter errors reported in a row without
	// a record in between; past it the wheel stops reading, so a filter
	// that can only fail does not spin.
	maxFilterErrors = 64
	// maxWrite bounds the bytes handed to one write (writev), and
	// maxIovec the chunks, to Linux's IOV_MAX.
	maxWrite = 256 << 10
	maxIovec = 1024
	// offloadLag is how long a read may wait in the kernel's queue
	// before the kernel's goroutine counts as the bottleneck: what the
	// handlers then put is written by the writer goroutines, on other
	// cores, instead of by the session (see flushInline).
	offloadLag = int64(50 * time.Microsecond)
	// maxEmptyReads is how many reads in a row may return nothing and no
	// error before the reader gives up with io.ErrNoProgress, as bufio
	// does, instead of spinning on a broken io.Reader.
	maxEmptyReads = 100
)

// ReadWrite is POE::Wheel::ReadWrite: buffered, filtered, non-blocking I/O
// on a stream. A goroutine reads chunks and hands them to the session,
// where the input filter parses them and InputEvent is called once per
// record; Put serialises records with the output filter and a second
// goroutine writes them in order.
//
// All methods are for the handlers of the session that made the wheel;
// Close may also be called after the kernel has stopped.
type ReadWrite struct {
	id   int
	o    owner
	opts ReadWriteOptions
	in   io.Reader
	out  io.Writer

	// Handler-side state: touched only by the session's handlers.
	idv         any // id as an event argument, boxed once
	inF, outF   filter.Filter
	inSender    filter.Sender // inF as a Sender, or nil
	inAppender  appender      // inF when it parses onto a slice, or nil
	outSender   filter.Sender
	outAppender appender // outF when it encodes onto a slice, or nil
	draining    bool
	dirty       bool // in the session's flush list
	flushPosted bool // flushNote is queued
	flushNote   rwNotice
	inShut      bool      // ShutdownInput was called
	readerGone  bool      // the reader has ended (its last notice arrived)
	readDone    bool      // nothing more will be read or reported
	endPending  *rwNotice // EOF or read error held back by PauseInput
	writeDone   bool      // output shut down and flushed, or failed
	one         [][]byte  // GetOneStart's argument, reused
	got         []any     // AppendOne's records, reused
	recs        []any     // Put's records, reused
	chunks      [][]byte  // Put's chunks, reused
	drainNote   rwNotice

	// Shared with the goroutines.
	fwd       atomic.Pointer[ReadWrite] // Forward's destination
	posted    atomic.Int64              // chunks posted, not yet delivered
	fwdOctets atomic.Int64
	closed    atomic.Bool
	paused    atomic.Bool
	stopRead  atomic.Bool // the reader must not read again
	done      chan struct{}
	free      chan *rwChunk // chunks the reader may fill
	wake      chan struct{} // the reader may re-check paused
	rwg, wwg  sync.WaitGroup

	// The output buffer, guarded by mu. The session writes it itself
	// when a delivery ends and the socket takes it all (flushInline);
	// the writer goroutine writes what is left.
	mu      sync.Mutex
	q       []outChunk // q[qh:] waits to be written
	qh      int
	octets  int // bytes queued or being written
	msgs    int // chunks queued or being written
	high    bool
	highMk  int
	lowMk   int
	shutOut bool       // ShutdownOutput asked: close the write side when flushed
	wfailed bool       // a write failed: discard further output
	wbusy   int        // chunks at the head of q a write under way holds (the writer's or the session's); 0: none
	orphans []outChunk // what that write held when the queue was dropped
	wshut   bool       // the write side is being or has been shut down
	wrun    bool       // the writer goroutine was started
	wstop   bool       // Close waits for the writer: none may start
	wwake   chan struct{}

	// For the session's own writes: the socket, or nil when only the
	// writer goroutine may write; scratch space.
	raw     syscall.RawConn
	rawIn   syscall.RawConn // the socket read, for readRaw; or nil
	rd      rawRead         // readRaw's state, the reader goroutine's
	scratch rawScratch
	ibatch  [][]byte
}

// outChunk is a chunk of output: bytes b, or, forwarded between sockets,
// pn bytes waiting in pipe p (see spliceIn). A chunk forwarded from
// another wheel's input (see Forward) carries the read it came from,
// given back once written.
type outChunk struct {
	b   []byte
	p   *pipe
	pn  int
	rel *rwChunk
}

// size is the number of bytes the chunk still holds.
func (c *outChunk) size() int {
	if c.p != nil {
		return c.pn
	}
	return len(c.b)
}

// discard drops a chunk that will not be written: its pipe, which still
// holds bytes, is closed (it is not for the pool), and a forwarded read
// is given back.
func (c *outChunk) discard() {
	if c.p != nil {
		c.p.close()
	}
	c.rel.release()
}

// rwChunk is one read: the reader fills buf[:n] and posts the chunk; the
// session gives the buffer back to its pool and the chunk to the reader
// once the input filter has copied it.
type rwChunk struct {
	w    *ReadWrite
	buf  *[]byte // from getBuf
	n    int
	size int   // of the next read's buffer
	at   int64 // monotime when posted
}

// epoch is monotime's origin.
var epoch = time.Now()

// monotime is a monotonic clock in nanoseconds.
func monotime() int64 { return int64(time.Since(epoch)) }

func (c *rwChunk) deliver() { c.w.gotChunk(c) }

// out is the chunk as output forwarded to another wheel, which gives it
// back once written (see forward).
func (c *rwChunk) out() outChunk { return outChunk{b: (*c.buf)[:c.n], rel: c} }

// release gives a forwarded read back once written or dropped: the
// buffer to its pool, the chunk to its reader (whose free channel always
// has room for it). A nil chunk is ignored.
func (c *rwChunk) release() {
	if c == nil {
		return
	}
	putBuf(c.buf)
	c.buf = nil
	c.w.free <- c
}
func (c *rwChunk) ioState() *sessIO { return c.w.o.io }

type rwKind uint8

const (
	rwDrain      rwKind = iota // parse what the input filter holds
	rwReadEnd                  // the reader ended: err is why (io.EOF ...)
	rwHigh                     // the buffer reached HighMark
	rwWrote                    // low and/or flushed after a write
	rwWriteError               // a write failed
	rwWriterDone               // output shut down and flushed
	rwPutError                 // the output filter refused records
	rwFlush                    // write what was put (at the delivery's end)
)

type rwNotice struct {
	w       *ReadWrite
	kind    rwKind
	low     bool
	flushed bool
	err     error
}

func (n *rwNotice) deliver()         { n.w.gotNotice(n) }
func (n *rwNotice) ioState() *sessIO { return n.w.o.io }

// NewReadWrite makes a ReadWrite wheel owned by the session whose handler
// calls it (k is e.Kernel). It returns an error for inconsistent options,
// or when called outside a handler.
func NewReadWrite(k *kernel.Kernel, opts ReadWriteOptions) (*ReadWrite, error) {
	o, in, out, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	own, err := bind(k)
	if err != nil {
		return nil, err
	}
	w := &ReadWrite{
		id:     NewID(),
		raw:    rawWriter(out),
		rawIn:  rawReader(in),
		o:      own,
		opts:   o,
		in:     in,
		out:    out,
		inF:    o.InputFilter,
		outF:   o.OutputFilter,
		done:   make(chan struct{}),
		free:   make(chan *rwChunk, readAhead),
		wake:   make(chan struct{}, 1),
		wwake:  make(chan struct{}, 1),
		highMk: o.HighMark,
		lowMk:  o.LowMark,
		one:    make([][]byte, 1),
	}
	w.idv = w.id
	w.drainNote = rwNotice{w: w, kind: rwDrain}
	w.flushNote = rwNotice{w: w, kind: rwFlush}
	w.inSender, _ = w.inF.(filter.Sender)
	w.inAppender = appenderOf(w.inF)
	w.setOutput(w.outF)
	if err := w.o.hold(w); err != nil {
		return nil, err
	}
	for range readAhead {
		w.free <- &rwChunk{w: w}
	}
	if o.InputEvent != "" {
		w.rwg.Add(1)
		go w.readLoop()
	} else {
		w.readerGone, w.readDone = true, true
	}
	// A filter that speaks first (a TLS client's hello) is heard now.
	w.takeOutput(w.inSender)
	if !sameValue(w.outSender, w.inSender) {
		w.takeOutput(w.outSender)
	}
	return w, nil
}

// sameValue says whether a and b are one filter: == where their type
// allows it. Values of a type == panics on (a struct holding a slice) are
// taken as two.
func sameValue(a, b any) bool {
	if a == nil || b == nil {
		return a == b
	}
	t := reflect.TypeOf(a)
	return t == reflect.TypeOf(b) && t.Comparable() && a == b
}

// ID returns the wheel's unique ID, which its events carry as the last
// argument. Any goroutine may call it.
func (w *ReadWrite) ID() int { return w.id }

// readLoop is the reader goroutine.
func (w *ReadWrite) readLoop() {
	defer w.rwg.Done()
	empty := 0
	for {
		var c *rwChunk
		select {
		case c = <-w.free:
			// The common case, without the cost of a select on
			// two channels.
		default:
			select {
			case c = <-w.free:
			case <-w.done:
				return
			}
		}
		if w.closed.Load() {
			return
		}
		for w.paused.Load() && !w.stopRead.Load() {
			select {
			case <-w.wake:
			case <-w.done:
				return
			}
		}
		if w.stopRead.Load() {
			_ = w.o.post(&rwNotice{w: w, kind: rwReadEnd})
			return
		}
		if dst := w.fwd.Load(); spliceOK && c.size == maxForward && dst != nil && dst.raw != nil && w.rawIn != nil && w.posted.Load() == 0 {
			// Forwarding a stream that fills its reads, between two
			// sockets: splice, so the bytes are moved on, never
			// copied. Small messages are cheaper read and written; a
			// small splice goes back to that.
			if p, n, err, ok := w.spliceIn(); ok {
				if n < minChunk {
					c.size = minChunk
				}
				if n > 0 {
					w.fwdOctets.Add(int64(n))
					// c stands for the pipe in the
					// read-ahead until it is written.
					dst.forward(outChunk{p: p, pn: n, rel: c})
				} else {
					w.free <- c
				}
				if err != nil {
					if w.closed.Load() {
						return
					}
					_ = w.o.post(&rwNotice{w: w, kind: rwReadEnd, err: err})
					return
				}
				continue
			}
		}
		n, err := w.read(c)
		if n > 0 {
			empty = 0
			if dst := w.fwd.Load(); dst != nil && w.posted.Load() == 0 {
				// Forwarding, and nothing read earlier still
				// waits for the session: straight to dst.
				w.fwdOctets.Add(int64(n))
				dst.forward(c.out())
			} else {
				w.posted.Add(1)
				c.at = monotime()
				if w.o.post(c) != nil {
					putBuf(c.buf)
					return
				}
			}
		} else {
			putBuf(c.buf)
			c.buf = nil
			w.free <- c
			if empty++; empty >= maxEmptyReads && err == nil {
				err = io.ErrNoProgress
			}
		}
		if err != nil {
			if w.closed.Load() {
				return
			}
			_ = w.o.post(&rwNotice{w: w, kind: rwReadEnd, err: err})
			return
		}
	}
}

// read fills c with a pooled buffer and reads into it. A read that fills
// the buffer doubles the next one's size, up to maxChunk (maxForward
// when forwarding).
func (w *ReadWrite) read(c *rwChunk) (int, error) {
	if c.size == 0 {
		c.size = minChunk
	}
	var n int
	var err error
	if w.rawIn != nil {
		n, err = w.readRaw(c)
	} else {
		c.buf = getBuf(c.size)
		n, err = w.in.Read(*c.buf)
	}
	c.n = n
	if n == c.size && (c.size < maxChunk || w.fwd.Load() != nil && c.size < maxForward) {
		c.size *= 2
	}
	return n, err
}

// readRaw is read on a socket: it waits for data before it takes a
// buffer from the pool, so that a connection waiting for its peer holds
// none.
func (w *ReadWrite) readRaw(c *rwChunk) (int, error) {
	r := &w.rd
	if r.fn == nil {
		r.fn = r.read
	}
	r.c, r.n, r.err = c, 0, nil
	err := w.rawIn.Read(r.fn)
	n, rerr := r.n, r.err
	r.c, r.err = nil, nil
	switch {
	case err != nil:
		return 0, err
	case rerr != nil:
		return n, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", rerr)}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// appender is a filter whose GetOne and Put can append to a slice (see
// filter.Line.AppendOne and AppendPut), which spares the wheel a slice per
// record.
type appender interface {
	AppendOne(dst []any) ([]any, error)
	AppendPut(dst [][]byte, records []any) ([][]byte, error)
}

// appenderOf returns f when it is one of the filters known to append. The
// type must match exactly: a filter that embeds a Line to override its
// GetOne or Put has Line's AppendOne and AppendPut too, which would
// bypass the override.
func appenderOf(f filter.Filter) appender {
	switch f := f.(type) {
	case *filter.Line:
		return f
	case *filter.Stream:
		return f
	}
	return nil
}

// gotChunk runs in the session: the input filter takes the chunk, and its
// records go to InputEvent.
func (w *ReadWrite) gotChunk(c *rwChunk) {
	// Decremented once the chunk has gone where it goes, so that a
	// forwarding reader never overtakes it.
	defer w.posted.Add(-1)
	if w.closed.Load() || w.inShut {
		c.release()
		return
	}
	if dst := w.fwd.Load(); dst != nil {
		w.fwdOctets.Add(int64(c.n))
		dst.forward(c.out())
		return
	}
	if monotime()-c.at > offloadLag {
		// The chunk waited long in the kernel's queue: the kernel's
		// goroutine is the bottleneck, so the replies are left to
		// the writer goroutines, on other cores.
		w.o.io.busy = true
	}
	w.one[0] = (*c.buf)[:c.n]
	w.inF.GetOneStart(w.one)
	w.one[0] = nil
	// Filters copy what GetOneStart gives them, so the buffer goes back
	// to the pool while the records are dispatched.
	putBuf(c.buf)
	c.buf = nil
	w.free <- c
	w.takeOutput(w.inSender)
	w.drain()
}

// drain dispatches the records the current input filter holds, one
// GetOne at a time, so that SetFilter in an input handler applies to the
// very next record, and PauseInput or Close stop the dispatch at once.
func (w *ReadWrite) drain() {
	if w.draining {
		return
	}
	w.draining = true
	defer func() { w.draining = false }()
	errs := 0
	var last error
	for !w.closed.Load() && !w.paused.Load() && !w.inShut {
		var recs []any
		var err error
		a := w.inAppender
		if a != nil {
			recs, err = a.AppendOne(w.got[:0])
		} else {
			recs, err = w.inF.GetOne()
		}
		w.takeOutput(w.inSender)
		if err != nil {
			if err == last {
				// The filter gives the same error again: it is
				// stuck for good (a failed TLS handshake), so it
				// is reported once and reading stops.
				w.ShutdownInput()
				break
			}
			last = err
			errs++
			num, str := Errno(err)
			w.o.call(w.opts.ErrorEvent, "read", num, str, w.idv)
			if errs >= maxFilterErrors {
				w.ShutdownInput()
			}
			continue
		}
		if len(recs) == 0 {
			break
		}
		errs = 0
		for _, r := range recs {
			w.o.call(w.opts.InputEvent, r, w.idv)
		}
		if a != nil {
			// Kept for the next record, emptied so that it
			// holds none. (Another filter's slice is its own.)
			clear(recs)
			w.got = recs[:0]
		}
	}
	if w.endPending != nil && !w.paused.Load() && !w.closed.Load() {
		n := w.endPending
		w.endPending = nil
		w.gotReadEnd(n.err)
	}
}

// takeOutput sends what a Sender filter wants written, ahead of anything
// put later.
func (w *ReadWrite) takeOutput(s filter.Sender) {
	if s == nil {
		return
	}
	if out := s.TakeOutput(); len(out) > 0 {
		w.enqueue(out)
	}
}

func (w *ReadWrite) gotNotice(n *rwNotice) {
	if w.closed.Load() {
		return
	}
	switch n.kind {
	case rwFlush:
		// The delivery's end flushes the wheel (see kick).
		w.flushPosted = false
	case rwDrain:
		w.drain()
	case rwReadEnd:
		w.readerGone = true
		if w.inShut || w.readDone {
			w.readDone = true
			w.maybeRelease()
			return
		}
		if w.paused.Load() {
			// Records still in the filter come first; ResumeInput
			// delivers the end after them.
			w.endPending = n
			return
		}
		w.gotReadEnd(n.err)
	case rwHigh:
		w.o.call(w.opts.HighEvent, w.idv)
	case rwWrote:
		if n.low {
			w.o.call(w.opts.LowEvent, w.idv)
		}
		if n.flushed && !w.closed.Load() && w.GetDriverOutOctets() == 0 {
			w.o.call(w.opts.FlushedEvent, w.idv)
		}
	case rwWriteError:
		w.writeDone = true
		num, str := Errno(n.err)
		w.o.call(w.opts.ErrorEvent, "write", num, str, w.idv)
		w.maybeRelease()
	case rwWriterDone:
		w.writeDone = true
		w.maybeRelease()
	case rwPutError:
		num, str := Errno(n.err)
		w.o.call(w.opts.ErrorEvent, "write", num, str, w.idv)
	}
}

// gotReadEnd reports EOF (errnum 0) or a read error, as POE does once
// before it stops watching the handle.
func (w *ReadWrite) gotReadEnd(err error) {
	w.readDone = true
	if err == nil {
		// The reader stopped because input was shut down: no event.
		w.maybeRelease()
		return
	}
	num, str := Errno(err)
	w.o.call(w.opts.ErrorEvent, "read", num, str, w.idv)
	w.maybeRelease()
}

// maybeRelease lets the session go once the wheel can do nothing more:
// POE's wheel holds no select then, so it keeps nothing alive. Close still
// closes the handles.
func (w *ReadWrite) maybeRelease() {
	if w.readDone && w.readerGone && w.writeDone && !w.closed.Load() {
		w.o.rest(w)
	}
}

// Put serialises records with the output filter and queues them for
// writing. It returns true when HighMark is set and the buffered output
// has reached it, as POE's put: the caller should then wait for LowEvent.
// Records the filter refuses are dropped and reported to ErrorEvent as a
// "write" error. After a write error, ShutdownOutput or Close, Put
// discards its records and returns false.
func (w *ReadWrite) Put(records ...any) bool {
	if w.closed.Load() || len(records) == 0 {
		return false
	}
	w.takeOutput(w.outSender)
	// The records are copied so that the caller's slice does not
	// escape, and a Line or Stream encodes onto reused space (see
	// appenderOf): a Put then allocates no more than the chunks.
	recs := append(w.recs[:0], records...)
	var chunks [][]byte
	var err error
	reuse := w.outAppender != nil
	if reuse {
		chunks, err = w.outAppender.AppendPut(w.chunks[:0], recs)
	} else {
		chunks, err = w.outF.Put(recs)
	}
	clear(recs)
	w.recs = recs[:0]
	if err != nil {
		_ = w.o.post(&rwNotice{w: w, kind: rwPutError, err: err})
		return false
	}
	above := w.enqueue(chunks)
	if reuse && cap(chunks) <= 64 {
		clear(chunks)
		w.chunks = chunks[:0]
	}
	return above
}

// enqueue adds encoded chunks to the output buffer and wakes the writer.
func (w *ReadWrite) enqueue(chunks [][]byte) bool {
	w.mu.Lock()
	if w.shutOut || w.wfailed {
		w.mu.Unlock()
		return false
	}
	for _, c := range chunks {
		if len(c) > 0 {
			w.queueLocked(outChunk{b: c})
		}
	}
	above := w.highLocked()
	w.mu.Unlock()
	w.kick()
	return above
}

// queueLocked appends a chunk to the output queue and counts it; the
// caller then tests HighMark (highLocked). mu must be held.
func (w *ReadWrite) queueLocked(oc outChunk) {
	w.q = append(w.q, oc)
	w.octets += oc.size()
	w.msgs++
}

// highLocked says whether HighMark is set and the buffered output has
// reached it, and, the first time, posts HighEvent's notice. mu must be
// held.
func (w *ReadWrite) highLocked() bool {
	above := w.highMk > 0 && w.octets >= w.highMk
	if above && !w.high {
		w.high = true
		// Posted under mu so that it is queued before the LowEvent the
		// writer may post as soon as mu is free. No lock of the kernel
		// is ever held while it calls into a wheel, so this cannot
		// deadlock.
		_ = w.o.post(&rwNotice{w: w, kind: rwHigh})
	}
	return above
}

// kick has the queued output written. Records put while a notice is
// delivered go out together when it ends: one write instead of one per
// record, as POE flushes once its handlers return to the select loop.
// Put by any other handler, they go out in a notice of their own, so all
// that handler puts is written at once too. Without a socket to write
// to directly, the flush wakes the writer goroutine, once for all of it
// (see flushInline).
func (w *ReadWrite) kick() {
	st := w.o.io
	if !w.dirty {
		w.dirty = true
		st.dirty = append(st.dirty, w)
	}
	if st.depth == 0 && !w.flushPosted {
		if w.o.post(&w.flushNote) == nil {
			w.flushPosted = true
		}
	}
}

// flushInline is the session's flush: with no write under way, it
// writes the queued output itself, without waiting, and leaves to the
// writer goroutine only what the socket did not take. That spares a
// goroutine switch per reply. Call it from the session's handlers.
func (w *ReadWrite) flushInline() {
	if w.closed.Load() {
		return
	}
	if w.raw == nil {
		w.wakeWriter()
		return
	}
	var low, flushed, more, shut bool
	w.mu.Lock()
	for w.wbusy == 0 && !w.wfailed && w.qh < len(w.q) {
		var n, size int
		if p := w.q[w.qh].p; p != nil {
			w.wbusy = 1
			size = w.q[w.qh].pn
			w.mu.Unlock()
			n, _ = spliceOut(w.raw, p, size, false, &w.scratch)
		} else {
			batch := w.peekBatch(w.ibatch[:0])
			w.wbusy = len(batch)
			for _, b := range batch {
				size += len(b)
			}
			w.mu.Unlock()
			n = writeNow(w.raw, batch, &w.scratch)
			clear(batch)
			w.ibatch = batch[:0]
		}

		w.mu.Lock()
		w.wbusy = 0
		l, f := w.wroteLocked(n)
		low, flushed = low || l, f
		if n < size {
			// The socket is full (or broken): the writer goroutine
			// waits for it, and reports what goes wrong.
			more = true
			break
		}
	}
	if w.wbusy == 0 && !w.wfailed && w.qh == len(w.q) && w.shutOut && !w.wshut && !w.closed.Load() {
		w.wshut, shut = true, true
	}
	w.mu.Unlock()
	if more {
		w.wakeWriter()
	}
	if low || flushed {
		_ = w.o.post(&rwNotice{w: w, kind: rwWrote, low: low, flushed: flushed})
	}
	if shut {
		w.closeWrite()
		_ = w.o.post(&rwNotice{w: w, kind: rwWriterDone})
	}
}

// wakeWriter has the writer goroutine write the queue, starting it the
// first time: a wheel whose session writes everything itself never needs
// one.
func (w *ReadWrite) wakeWriter() {
	w.mu.Lock()
	if w.wstop || w.closed.Load() {
		// Close, which waits for the writer, has begun.
		w.mu.Unlock()
		return
	}
	if !w.wrun {
		w.wrun = true
		w.wwg.Add(1)
		go w.writeLoop()
	}
	w.mu.Unlock()
	select {
	case w.wwake <- struct{}{}:
	default:
	}
}

// writeLoop is the writer goroutine: it writes the buffer in order, with
// writev where the handle allows, and tells the session when the buffer
// drains to LowMark, when it is empty, and when a write fails.
func (w *ReadWrite) writeLoop() {
	defer w.wwg.Done()
	var batch [][]byte
	// WriteTo takes its receiver's address, which moves bufs to the
	// heap: once here, not once per write.
	var bufs net.Buffers
	for {
		select {
		case <-w.wwake:
		case <-w.done:
			return
		}
		for {
			w.mu.Lock()
			if w.wbusy > 0 {
				// The session is writing; it wakes the writer
				// again if the socket does not take everything.
				w.mu.Unlock()
				break
			}
			if w.qh == len(w.q) {
				shut := w.shutOut && !w.wshut
				w.wshut = w.wshut || shut
				w.mu.Unlock()
				if shut {
					w.closeWrite()
					_ = w.o.post(&rwNotice{w: w, kind: rwWriterDone})
					return
				}
				break
			}
			var n int64
			var err error
			if p := w.q[w.qh].p; p != nil {
				size := w.q[w.qh].pn
				w.wbusy = 1
				w.mu.Unlock()
				var m int
				m, err = spliceOut(w.raw, p, size, true, &w.scratch)
				n = int64(m)
			} else {
				batch = w.peekBatch(batch[:0])
				count := len(batch)
				w.wbusy = count
				w.mu.Unlock()

				bufs = batch
				n, err = bufs.WriteTo(w.out)
				bufs = nil
				clear(batch[:count])
				batch = batch[:0]
			}

			w.mu.Lock()
			w.wbusy = 0
			if err != nil {
				w.wfailed = true
				w.releaseOrphansLocked()
				w.dropQueueLocked()
				w.mu.Unlock()
				if !w.closed.Load() {
					_ = w.o.post(&rwNotice{w: w, kind: rwWriteError, err: err})
				}
				return
			}
			low, flushed := w.wroteLocked(int(n))
			w.mu.Unlock()
			if low || flushed {
				if w.o.post(&rwNotice{w: w, kind: rwWrote, low: low, flushed: flushed}) != nil {
					return
				}
			}
		}
	}
}

// dropQueueLocked discards the output queue, giving forwarded reads
// back. mu must be held.
func (w *ReadWrite) dropQueueLocked() {
	start := w.qh
	if w.wbusy > 0 {
		// Another goroutine is writing the chunks at the head (a
		// forwarding reader flushing, or the writer blocked on a
		// handle Close cannot interrupt): they are given back when
		// the write ends, as their buffers are still being read.
		end := min(start+w.wbusy, len(w.q))
		w.orphans = append(w.orphans, w.q[start:end]...)
		start = end
	}
	for _, c := range w.q[start:] {
		c.discard()
	}
	w.q, w.qh, w.octets, w.msgs = nil, 0, 0, 0
}

// releaseOrphansLocked gives back the chunks a write was busy with when
// the queue was dropped. Call it when that write has ended. mu must be
// held.
func (w *ReadWrite) releaseOrphansLocked() {
	for i := range w.orphans {
		w.orphans[i].discard()
	}
	w.orphans = nil
}

// peekBatch copies the chunks of one write from the head of the queue
// to batch: up to maxWrite bytes, or LowMark's worth when marks are set,
// so the buffer drains in steps and LowEvent comes while output is still
// queued, which is what it is for; at least one chunk. They stay queued
// until wroteLocked. mu must be held.
func (w *ReadWrite) peekBatch(batch [][]byte) [][]byte {
	limit := maxWrite
	if w.lowMk > 0 {
		limit = min(max(w.lowMk, minChunk), maxWrite)
	}
	end, size := w.qh, 0
	for end < len(w.q) && w.q[end].p == nil && (end == w.qh || size+len(w.q[end].b) <= limit) && end-w.qh < maxIovec {
		size += len(w.q[end].b)
		batch = append(batch, w.q[end].b)
		end++
	}
	return batch
}

// wroteLocked takes n written bytes off the head of the queue and says
// whether the buffer has drained to LowMark, and whether it is empty and
// FlushedEvent is wanted. Both writers (flushInline and writeLoop) call it
// when their write ends. When the queue was dropped meanwhile (Close does
// not wait for a writer blocked on a handle it cannot interrupt), the
// bytes were the dropped chunks': they are given back and nothing is
// counted. mu must be held.
func (w *ReadWrite) wroteLocked(n int) (low, flushed bool) {
	if len(w.orphans) > 0 {
		w.releaseOrphansLocked()
		return false, false
	}
	if n <= 0 {
		return false, false
	}
	w.octets -= n
	for n > 0 && w.qh < len(w.q) {
		c := &w.q[w.qh]
		if size := c.size(); n < size {
			if c.p != nil {
				c.pn -= n
			} else {
				c.b = c.b[n:]
			}
			break
		} else {
			n -= size
		}
		if c.p != nil {
			pipePool.Put(c.p) // empty
		}
		c.rel.release()
		*c = outChunk{}
		w.qh++
		w.msgs--
	}
	switch {
	case w.qh == len(w.q):
		w.q, w.qh = w.q[:0], 0
		if cap(w.q) > 4096 {
			w.q = nil // a burst does not pin its queue
		}
	case w.qh > 1024 && 2*w.qh > len(w.q):
		n := copy(w.q, w.q[w.qh:])
		clear(w.q[n:])
		w.q, w.qh = w.q[:n], 0
	}
	low = w.high && w.octets <= w.lowMk
	if low {
		w.high = false
	}
	return low, w.octets == 0 && w.opts.FlushedEvent != ""
}

// closeWrite half-closes the output: CloseWrite on a socket; a separate
// output handle is closed, which is how a pipe says EOF.
func (w *ReadWrite) closeWrite() {
	if cw, ok := w.out.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	if !sameHandle(w.in, w.out) {
		if c, ok := w.out.(io.Closer); ok {
			_ = c.Close()
		}
	}
}

func sameHandle(in io.Reader, out io.Writer) bool {
	x, ok := out.(io.Reader)
	return ok && x == in
}

// forward queues a chunk another wheel's reader forwards (see Forward):
// bytes it read, or, spliced, bytes waiting in a pipe (see spliceIn). It
// writes what the socket takes at once. Any goroutine may call it.
// Output that is closed, shut down or failed drops the chunk.
func (w *ReadWrite) forward(oc outChunk) {
	w.mu.Lock()
	if w.closed.Load() || w.shutOut || w.wfailed {
		w.mu.Unlock()
		oc.discard()
		return
	}
	w.queueLocked(oc)
	w.highLocked()
	w.mu.Unlock()
	w.flushInline()
}

// Forward sends what w reads from now on straight to dst's output, as it
// arrives, from w's reader goroutine: no input filter, InputEvent or
// output filter, no copy and no event per chunk. It is a relay's fast
// path, for byte streams (component/socks forwards each side of a tunnel
// to the other). The input w's filter holds (GetPending) is queued on
// dst first; chunks read before the call and not yet handed to the
// filter follow it, in order. EOF and read errors still come to
// ErrorEvent; dst's marks, FlushedEvent and ShutdownOutput apply to
// forwarded output as to records put. w reads at most two chunks ahead
// of what dst has written, which is the whole of the flow control; what
// dst cannot take (its output shut down, failed or closed) is dropped.
// ForwardedOctets counts the bytes. dst must belong to the same session;
// it may be w itself. Forwarding cannot be undone.
//
// It returns ErrClosed when either wheel is closed, and ErrOption when
// dst is nil, w does not read (no InputEvent) or already forwards.
func (w *ReadWrite) Forward(dst *ReadWrite) error {
	switch {
	case dst == nil:
		return fmt.Errorf("%w: Forward to nil", ErrOption)
	case w.closed.Load() || dst.closed.Load():
		return ErrClosed
	case w.opts.InputEvent == "":
		return fmt.Errorf("%w: Forward from a wheel that does not read", ErrOption)
	case w.fwd.Load() != nil:
		return fmt.Errorf("%w: the wheel already forwards", ErrOption)
	}
	if pending := w.inF.GetPending(); len(pending) > 0 {
		var n int
		for _, p := range pending {
			n += len(p)
		}
		w.fwdOctets.Add(int64(n))
		dst.enqueue(pending)
	}
	w.fwd.Store(dst)
	return nil
}

// ForwardedOctets returns the bytes Forward has sent on so far. Any
// goroutine may call it.
func (w *ReadWrite) ForwardedOctets() int64 { return w.fwdOctets.Load() }

// SetFilter replaces both filters. Input the old input filter had buffered
// but not parsed is handed to the new one, so called from an input handler
// it applies to the very next record (STARTTLS). Output already put is
// not re-encoded.
func (w *ReadWrite) SetFilter(f filter.Filter) {
	w.SetInputFilter(f)
	w.SetOutputFilter(f)
}

// SetInputFilter replaces the input filter, handing it the old one's
// pending input (GetPending). Records it then holds are dispatched after
// the current input handler returns, or, called from any other handler,
// in an event of their own.
func (w *ReadWrite) SetInputFilter(f filter.Filter) {
	if f == nil || w.closed.Load() {
		return
	}
	pending := w.inF.GetPending()
	w.inF = f
	w.inSender, _ = f.(filter.Sender)
	w.inAppender = appenderOf(f)
	if len(pending) > 0 {
		f.GetOneStart(pending)
	}
	w.takeOutput(w.inSender)
	if !w.draining && !w.readDone {
		_ = w.o.post(&w.drainNote)
	}
}

// SetOutputFilter replaces the output filter; later Puts use it.
func (w *ReadWrite) SetOutputFilter(f filter.Filter) {
	if f == nil || w.closed.Load() {
		return
	}
	w.setOutput(f)
	w.takeOutput(w.outSender)
}

// setOutput makes f the output filter, with the interfaces Put uses.
func (w *ReadWrite) setOutput(f filter.Filter) {
	w.outF = f
	w.outSender, _ = f.(filter.Sender)
	w.outAppender = appenderOf(f)
}

// Event changes the events the wheel emits, as POE's event method: pairs
// of option name ("InputEvent", "ErrorEvent", "FlushedEvent", "HighEvent",
// "LowEvent") and new event name. An empty name stops that event, except
// InputEvent, which can only be renamed (PauseInput stops input). HighEvent
// and LowEvent need the marks given at construction. It returns ErrOption
// for an odd number of arguments, an unknown name or an InputEvent it
// cannot apply, ErrMarks for marks that are missing; the pairs before the
// bad one are applied.
func (w *ReadWrite) Event(pairs ...string) error {
	if len(pairs)%2 != 0 {
		return fmt.Errorf("%w: Event takes name, event pairs", ErrOption)
	}
	for i := 0; i < len(pairs); i += 2 {
		name, ev := pairs[i], pairs[i+1]
		switch name {
		case "InputEvent":
			if (ev == "") != (w.opts.InputEvent == "") {
				return fmt.Errorf("%w: InputEvent can be renamed, not added or removed", ErrOption)
			}
			w.opts.InputEvent = ev
		case "ErrorEvent":
			w.opts.ErrorEvent = ev
		case "FlushedEvent":
			// The writer reads it under mu, when the buffer empties.
			w.mu.Lock()
			w.opts.FlushedEvent = ev
			w.mu.Unlock()
		case "HighEvent", "LowEvent":
			if w.highMk == 0 {
				return fmt.Errorf("%w: %s without marks", ErrMarks, name)
			}
			if name == "HighEvent" {
				w.opts.HighEvent = ev
			} else {
				w.opts.LowEvent = ev
			}
		default:
			return fmt.Errorf("%w: unknown event option %q", ErrOption, name)
		}
	}
	return nil
}

// GetInputFilter returns the input filter.
func (w *ReadWrite) GetInputFilter() filter.Filter { return w.inF }

// GetOutputFilter returns the output filter.
func (w *ReadWrite) GetOutputFilter() filter.Filter { return w.outF }

// GetInputHandle returns the handle the wheel reads.
func (w *ReadWrite) GetInputHandle() io.Reader { return w.in }

// GetOutputHandle returns the handle the wheel writes.
func (w *ReadWrite) GetOutputHandle() io.Writer { return w.out }

// SetHighMark changes HighMark. As in POE, the wheel must have been made
// with marks, and the new mark must stay above LowMark.
func (w *ReadWrite) SetHighMark(n int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.highMk == 0 || n <= w.lowMk {
		return fmt.Errorf("%w: HighMark %d with LowMark %d", ErrMarks, n, w.lowMk)
	}
	w.highMk = n
	return nil
}

// SetLowMark changes LowMark. As in POE, the wheel must have been made
// with marks, and the new mark must be above 0 and below HighMark.
func (w *ReadWrite) SetLowMark(n int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lowMk == 0 || n <= 0 || n >= w.highMk {
		return fmt.Errorf("%w: LowMark %d with HighMark %d", ErrMarks, n, w.highMk)
	}
	w.lowMk = n
	return nil
}

// GetDriverOutOctets returns the number of bytes put but not yet written.
func (w *ReadWrite) GetDriverOutOctets() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.octets
}

// GetDriverOutMessages returns the number of chunks put but not yet
// completely written.
func (w *ReadWrite) GetDriverOutMessages() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.msgs
}

// PauseInput stops reading and dispatching input until ResumeInput. A
// read already under way completes, and its records wait in the filter.
func (w *ReadWrite) PauseInput() {
	if w.closed.Load() {
		return
	}
	w.paused.Store(true)
}

// ResumeInput undoes PauseInput: records held in the filter are
// dispatched in an event of their own, then reading goes on.
func (w *ReadWrite) ResumeInput() {
	if w.closed.Load() || !w.paused.Swap(false) {
		return
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	_ = w.o.post(&w.drainNote)
}

// ShutdownInput stops reading for good and, on a socket, shuts down its
// read side (CloseRead), as POE's shutdown($fh, 0). No ErrorEvent follows.
func (w *ReadWrite) ShutdownInput() {
	if w.closed.Load() || w.inShut {
		return
	}
	w.inShut = true
	w.stopRead.Store(true)
	if cr, ok := w.in.(interface{ CloseRead() error }); ok {
		_ = cr.CloseRead()
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	if w.readerGone {
		w.readDone = true
		w.maybeRelease()
	}
}

// ShutdownOutput shuts down the write side once the output already put
// has been written: CloseWrite on a socket, so the peer reads EOF; a
// separate OutputHandle is closed. Later Puts are discarded.
func (w *ReadWrite) ShutdownOutput() {
	if w.closed.Load() {
		return
	}
	w.mu.Lock()
	if w.shutOut || w.wfailed {
		w.mu.Unlock()
		return
	}
	w.shutOut = true
	w.mu.Unlock()
	w.kick()
}

// Close stops the wheel: it closes its handles (output not yet written is
// lost, as when a POE wheel is destroyed), waits for its goroutines,
// closes filters that are io.Closers, and lets the session go. It is
// idempotent, and it is what Heap.Delete and the session's stop call.
func (w *ReadWrite) Close() error {
	if !w.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(w.done)
	waitIn := closeHandle(w.in, true)
	waitOut := true
	if !sameHandle(w.in, w.out) {
		waitOut = closeHandle(w.out, false)
	}
	if waitIn {
		w.rwg.Wait()
	}
	if waitOut {
		w.mu.Lock()
		w.wstop = true // no writer starts from now on (see wakeWriter)
		w.mu.Unlock()
		w.wwg.Wait()
	}
	closeFilter(w.inF)
	if !sameValue(w.outF, w.inF) {
		closeFilter(w.outF)
	}
	w.mu.Lock()
	w.dropQueueLocked()
	w.mu.Unlock()
	w.o.release(w)
	return nil
}

// closeHandle closes h and reports whether a goroutine blocked in it can
// be waited for. Closing interrupts reads and writes on sockets, on files
// the runtime poller handles (pipes) and on io.Pipe; a handle that takes
// deadlines only where they work tells the rest apart: a terminal on
// standard input refuses them, and its reader, which Close cannot
// interrupt, is not waited for (it ends when its read returns).
func closeHandle(h any, reading bool) (wait bool) {
	wait = true
	past := time.Unix(1, 0)
	if reading {
		if d, ok := h.(interface{ SetReadDeadline(time.Time) error }); ok {
			wait = d.SetReadDeadline(past) == nil
		}
	} else if d, ok := h.(interface{ SetWriteDeadline(time.Time) error }); ok {
		wait = d.SetWriteDeadline(past) == nil
	}
	if c, ok := h.(io.Closer); ok {
		_ = c.Close()
	}
	return wait
}

func closeFilter(f filter.Filter) {
	if c, ok := f.(io.Closer); ok {
		_ = c.Close()
	}
}
