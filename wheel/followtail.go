package wheel

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
)

// ErrFollowTailOptions reports FollowTail options POE would croak on, or a
// Handle the wheel cannot follow.
var ErrFollowTailOptions = errors.New("wheel: bad FollowTail options")

// followTailSeekBack is how far from the end FollowTail starts when
// neither Seek nor SeekBack is given, as POE.
const followTailSeekBack = 4096

// FollowTailOptions are POE::Wheel::FollowTail's parameters. The zero
// value of each field is POE's default.
type FollowTailOptions struct {
	// Filename is the file to follow; it is reopened when it is replaced
	// (log rotation) or truncated, and may not exist yet. Handle is an open
	// file to follow instead: a regular file is polled, anything else (a
	// pipe, a FIFO) is read as it becomes readable and must support read
	// deadlines (os.Pipe, a FIFO from os.OpenFile). The wheel does not
	// close a Handle. Give one of the two.
	Filename string
	Handle   *os.File
	// Filter decodes the file; nil means filter.NewLine().
	Filter filter.Filter
	// PollInterval is how long the wheel waits, at the end of the file,
	// before it looks again; zero means one second.
	PollInterval time.Duration
	// Seek is the offset to start at: from the start, or from the end if
	// negative; past the end means the end. SeekBack is how many bytes
	// before the end to start at (the start if the file is shorter). They
	// exclude each other. Without either, the wheel starts 4096 bytes
	// before the end and skips the records found there, so that the first
	// record it reports is the first whole line written after it started
	// (or the end of the line being written when it did).
	Seek     *int64
	SeekBack *int64
	// InputEvent receives each record: ARG0 the record, ARG1 the wheel ID.
	// It is required.
	InputEvent string
	// ErrorEvent receives ARG0 the operation ("read" or "stat"), ARG1 the
	// errno, ARG2 its text and ARG3 the wheel ID. Following stops after an
	// error, as in POE.
	ErrorEvent string
	// ResetEvent is called with the wheel ID when the file was replaced or
	// truncated and is read again from its start, and when a Filename
	// that did not exist is opened.
	ResetEvent string
	// IdleEvent is called with the wheel ID after each look that found
	// nothing new (for a pipe: at its end).
	IdleEvent string
}

func (o FollowTailOptions) withDefaults() (FollowTailOptions, error) {
	bad := func(why string) (FollowTailOptions, error) {
		return o, fmt.Errorf("%w: %s", ErrFollowTailOptions, why)
	}
	if (o.Filename == "") == (o.Handle == nil) {
		return bad("give a Filename or a Handle, not both")
	}
	if o.InputEvent == "" {
		return bad("InputEvent is required")
	}
	if o.Seek != nil && o.SeekBack != nil {
		return bad("Seek and SeekBack exclude each other")
	}
	if o.PollInterval < 0 {
		return bad("negative PollInterval")
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Second
	}
	if o.Filter == nil {
		o.Filter = filter.NewLine()
	}
	return o, nil
}

// FollowTail is POE::Wheel::FollowTail: it follows a file as it grows,
// as tail -F does, and reports each record appended to it. A Filename is
// reopened from its start, with ResetEvent, when it is replaced by another
// file (its device or inode changes, as after a log rotation) or shrinks.
//
//	tail, err := wheel.NewFollowTail(e.Kernel, wheel.FollowTailOptions{
//		Filename:   "/var/log/syslog",
//		InputEvent: "got_line",
//		ResetEvent: "got_reset",
//	})
//	e.Heap["tail"] = tail
//
// A goroutine reads the file and posts what it reads to the session one
// chunk at a time, each after the session has handled the one before; at
// the end of the file it checks for rotation and waits PollInterval. The
// filter runs in the session's handler.
//
// Methods must be called from handlers of the wheel's kernel, or, once
// Run has returned, from the goroutine that ran it.
//
// Differences from POE:
//   - Seek and SeekBack are pointers (new(int64(0)) is POE's Seek => 0),
//     because their zero differs from their absence.
//   - A file is reopened when its device or inode changes, it shrinks or
//     it disappears; POE also reopens (and so reads again from its start)
//     when only its link count changes. A Handle is read again from its
//     start only when it shrinks.
//   - A Handle that is not a regular file must support read deadlines, so
//     that Close can stop the read in progress without closing it.
//   - event() and the Driver option are not offered.
type FollowTail struct {
	id     int
	p      pump
	opts   FollowTailOptions
	filter filter.Filter
	token  chan struct{}
	pos    atomic.Int64 // the file offset, -1 without a regular file open

	f      *os.File // the open file: the goroutine's once it runs
	own    bool     // the wheel opened f and closes it
	stream bool     // f is read as a stream, not polled
}

// Messages from the goroutine to the wheel's handler.
type (
	ftChunk struct{ data []byte }
	ftReset struct{}
	ftIdle  struct{}
	ftError struct {
		op  string
		err error
	}
	ftEnd struct{ err error } // a stream's end
)

// NewFollowTail starts following a file, as POE::Wheel::FollowTail->new,
// and returns its wheel, which belongs to the session being dispatched on
// k (pass e.Kernel). Call it from a handler.
func NewFollowTail(k *kernel.Kernel, opts FollowTailOptions) (*FollowTail, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &FollowTail{id: NewID(), opts: o, filter: o.Filter, token: make(chan struct{}, 1)}
	w.pos.Store(-1)
	if err := w.p.start(k, "followtail", w.id, w.handle); err != nil {
		return nil, err
	}
	last, err := w.open()
	if err != nil {
		w.p.shutdown(nil)
		return nil, err
	}
	if err := w.p.k.HandleAdd(w); err != nil {
		if w.own && w.f != nil {
			w.f.Close()
		}
		w.p.shutdown(nil)
		return nil, fmt.Errorf("wheel: %w", err)
	}
	if w.stream {
		// readChunks waits for a token before each read; poll waits
		// only after it has posted.
		give(w.token)
		w.p.goroutine(func() {
			w.p.readChunks(w.f, w.token,
				func(b []byte) any { return ftChunk{b} },
				func(err error) any { return ftEnd{err} },
				nil)
		})
	} else {
		f := w.f
		w.p.goroutine(func() { w.poll(f, last) })
	}
	return w, nil
}

// fileID is what FollowTail compares to notice a replaced or truncated
// file.
type fileID struct {
	missing  bool
	dev, ino uint64
	size     int64
}

func idOf(fi fs.FileInfo) fileID {
	id := fileID{size: fi.Size()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), uint64(st.Ino)
	}
	return id
}

// open opens the file and sets the starting offset; it returns the
// file's identity for the poller.
func (w *FollowTail) open() (fileID, error) {
	o := w.opts
	var fi fs.FileInfo
	if o.Handle != nil {
		var err error
		if fi, err = o.Handle.Stat(); err != nil {
			return fileID{}, fmt.Errorf("wheel: FollowTail: %w", err)
		}
		w.f = o.Handle
	} else {
		var err error
		fi, err = os.Stat(o.Filename)
		if err != nil {
			// POE polls for a file that cannot be opened yet.
			return fileID{missing: true}, nil
		}
		flag := os.O_RDONLY
		if fi.Mode()&fs.ModeNamedPipe != 0 {
			// POE opens a FIFO read-write, so that it never sees
			// the end of a writer and the open does not block.
			flag = os.O_RDWR
		}
		if !fi.IsDir() {
			f, err := os.OpenFile(o.Filename, flag, 0)
			if err != nil {
				return fileID{missing: true}, nil
			}
			w.f, w.own = f, true
		}
	}
	if fi.IsDir() {
		return fileID{}, fmt.Errorf("%w: %s is a directory", ErrFollowTailOptions, fi.Name())
	}
	if !fi.Mode().IsRegular() {
		// A pipe or a device: read it as it comes; Close interrupts
		// the read with a deadline.
		if err := w.f.SetReadDeadline(time.Time{}); err != nil {
			if w.own {
				w.f.Close()
			}
			return fileID{}, fmt.Errorf("%w: cannot interrupt reads of %s: %w", ErrFollowTailOptions, fi.Name(), err)
		}
		w.stream = true
		return fileID{}, nil
	}
	if w.own {
		// The identity of what was opened, not of what the name
		// points to by now.
		if fi2, err := w.f.Stat(); err == nil {
			fi = fi2
		}
	}
	if err := w.seek(fi.Size()); err != nil {
		if w.own {
			w.f.Close()
		}
		return fileID{}, fmt.Errorf("wheel: FollowTail: %w", err)
	}
	return idOf(fi), nil
}

// seek moves to the starting offset, POE's rules for Seek and SeekBack.
func (w *FollowTail) seek(end int64) error {
	o := w.opts
	off := int64(-followTailSeekBack)
	switch {
	case o.SeekBack != nil:
		off = -*o.SeekBack
	case o.Seek != nil:
		off = *o.Seek
	}
	var err error
	var pos int64
	switch {
	case off < 0 && end < -off:
		pos, err = w.f.Seek(0, io.SeekStart)
	case off < 0:
		pos, err = w.f.Seek(off, io.SeekEnd)
	case off > end || (off == 0 && o.Seek == nil):
		pos, err = w.f.Seek(0, io.SeekEnd)
	default:
		pos, err = w.f.Seek(off, io.SeekStart)
	}
	if err != nil {
		return err
	}
	if o.Seek == nil && o.SeekBack == nil {
		// Skip the records already there; a line being written stays
		// in the filter, to be completed.
		buf := make([]byte, followTailSeekBack)
		for {
			n, err := w.f.Read(buf)
			pos += int64(n)
			if n > 0 {
				w.filter.GetOneStart([][]byte{append([]byte(nil), buf[:n]...)})
				for i := 0; i < maxGetOne; i++ {
					recs, err := w.filter.GetOne()
					if err == nil && len(recs) == 0 {
						break
					}
				}
			}
			if err != nil || n == 0 {
				break
			}
		}
	}
	w.pos.Store(pos)
	return nil
}

// maxGetOne bounds the loop that skips the records before the start.
const maxGetOne = 1 << 16

// poll is the goroutine that follows a regular file: read what is new,
// one chunk per message; at the end, look for a replacement or a
// truncation, then sleep PollInterval.
func (w *FollowTail) poll(f *os.File, last fileID) {
	o := w.opts
	byName := o.Filename != ""
	defer func() {
		if byName && f != nil {
			f.Close()
		}
	}()
	timer := time.NewTimer(o.PollInterval)
	timer.Stop()
	defer timer.Stop()
	sleep := func() bool {
		timer.Reset(o.PollInterval)
		select {
		case <-timer.C:
			return true
		case <-w.p.done:
			return false
		}
	}
	buf := make([]byte, readSize)
	pos := w.pos.Load()
	// owe is set when a message was posted: the next step waits until
	// the session has handled it.
	owe := false
	send := func(msg any) bool {
		owe = true
		return w.p.post(msg)
	}
	for {
		if owe {
			if !w.p.wait(w.token) {
				return
			}
			owe = false
		}
		select {
		case <-w.p.done:
			return
		default:
		}
		if f == nil {
			nf, err := os.Open(o.Filename)
			var fi fs.FileInfo
			if err == nil {
				if fi, err = nf.Stat(); err != nil {
					nf.Close()
				}
			}
			if err != nil {
				if o.IdleEvent != "" && !send(ftIdle{}) {
					return
				}
				if !sleep() {
					return
				}
				continue
			}
			f, last, pos = nf, idOf(fi), 0
			w.pos.Store(0)
			if !send(ftReset{}) {
				return
			}
			continue
		}
		n, err := f.Read(buf)
		if n > 0 {
			pos += int64(n)
			w.pos.Store(pos)
			if !send(ftChunk{append([]byte(nil), buf[:n]...)}) {
				return
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			send(ftError{"read", err})
			return
		}
		var cur fileID
		var fi fs.FileInfo
		if byName {
			fi, err = os.Stat(o.Filename)
		} else {
			fi, err = f.Stat()
		}
		switch {
		case err == nil:
			cur = idOf(fi)
		case byName && errors.Is(err, fs.ErrNotExist):
			cur = fileID{missing: true}
		default:
			send(ftError{"stat", err})
			return
		}
		switch {
		case byName && (cur.missing || cur.dev != last.dev || cur.ino != last.ino || cur.size < pos):
			// Replaced, gone or truncated: reopen at once, and
			// report the reset when a file is there again.
			f.Close()
			f = nil
			w.pos.Store(-1)
			continue
		case !byName && cur.size < pos:
			if pos, err = f.Seek(0, io.SeekStart); err != nil {
				send(ftError{"seek", err})
				return
			}
			w.pos.Store(pos)
			last = cur
			if !send(ftReset{}) {
				return
			}
			continue
		}
		last = cur
		if o.IdleEvent != "" && !send(ftIdle{}) {
			return
		}
		if !sleep() {
			return
		}
	}
}

// handle is the internal state's handler: it runs in the session.
func (w *FollowTail) handle(e *kernel.Event, msg any) {
	switch m := msg.(type) {
	case ftChunk:
		// Even if a user's handler panics, the reader must go on.
		defer give(w.token)
		w.filter.GetOneStart([][]byte{m.data})
		w.deliver()
	case ftReset:
		defer give(w.token)
		w.call(w.opts.ResetEvent, w.id)
	case ftIdle:
		defer give(w.token)
		w.call(w.opts.IdleEvent, w.id)
	case ftError:
		w.call(w.opts.ErrorEvent, m.op, runErrno(m.err), runErrstr(m.err), w.id)
	case ftEnd:
		if errors.Is(m.err, io.EOF) {
			w.call(w.opts.IdleEvent, w.id)
		} else {
			w.call(w.opts.ErrorEvent, "read", runErrno(m.err), runErrstr(m.err), w.id)
		}
	}
}

// deliver hands the filter's records to InputEvent until it needs more
// input or the wheel is closed.
func (w *FollowTail) deliver() {
	errs := 0
	for !w.p.closed.Load() {
		recs, err := w.filter.GetOne()
		if err != nil {
			w.call(w.opts.ErrorEvent, "read", runErrno(err), runErrstr(err), w.id)
			if errs++; errs >= maxFilterErrors {
				return
			}
			continue
		}
		if len(recs) == 0 {
			return
		}
		for _, r := range recs {
			w.call(w.opts.InputEvent, r, w.id)
		}
	}
}

func (w *FollowTail) call(event string, args ...any) {
	if event == "" || w.p.closed.Load() {
		return
	}
	_, _ = w.p.k.Call(w.p.sess, event, args...)
}

// ID returns the wheel's unique ID, ARG1 of InputEvent. Any goroutine may
// call it.
func (w *FollowTail) ID() int { return w.id }

// Tell returns the offset in the file up to which the wheel has read, as
// POE's tell, or -1 when no regular file is open (a file not there yet, a
// pipe). Any goroutine may call it.
func (w *FollowTail) Tell() int64 { return w.pos.Load() }

// Close stops following: it stops the goroutine, closes the file the
// wheel opened (not a Handle) and unregisters the wheel from its session.
// No event of the wheel's runs after it. Later calls do nothing. It
// returns nil.
func (w *FollowTail) Close() error {
	unblock := func() {
		if w.stream {
			if w.own {
				w.f.Close()
			} else {
				_ = w.f.SetReadDeadline(time.Unix(1, 0))
			}
		}
	}
	if !w.p.shutdown(unblock) {
		return nil
	}
	if w.stream && !w.own {
		_ = w.f.SetReadDeadline(time.Time{})
	}
	w.p.k.HandleRemove(w)
	return nil
}
