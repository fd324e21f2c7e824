package wheel

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
)

// Run's errors.
var (
	// ErrRunProgram reports a Program that is neither a command string nor
	// a non-empty []string.
	ErrRunProgram = errors.New("wheel: Run needs a Program: a command string or a non-empty []string")
	// ErrRunConduit reports a Conduit other than a pipe.
	ErrRunConduit = errors.New("wheel: Run conduit not supported")
	// ErrRunRedirect reports a Redirect option given with the Event
	// option of the same handle, or of a type other than string and
	// *os.File.
	ErrRunRedirect = errors.New("wheel: bad Run Redirect option")
	// ErrRunNoStdin reports Put on a wheel whose child's standard input
	// is not a pipe, or no longer open: NoStdin, RedirectStdin, after
	// ShutdownStdin, a write error, or Close.
	ErrRunNoStdin = errors.New("wheel: Run has no open STDIN")
)

// runKillGrace is how long a child has to exit after Close's SIGTERM
// before it gets SIGKILL.
const runKillGrace = 2 * time.Second

// RunOptions are POE::Wheel::Run's parameters. The zero value of each field
// is POE's default.
type RunOptions struct {
	// Program is the command: a string is run by /bin/sh -c with
	// ProgramArgs appended, separated by spaces (POE's exec of one
	// string); a []string is the argv, run without a shell, with
	// ProgramArgs appended.
	Program any
	// ProgramArgs are appended to Program.
	ProgramArgs []string
	// Env is the child's environment as "KEY=value" strings; nil inherits
	// the parent's. Cwd is its working directory; "" inherits the
	// parent's. (POE has neither: its coderef programs set them.)
	Env []string
	Cwd string
	// Priority is added to the child's scheduling priority (its nice
	// value).
	Priority int
	// Conduit is "pipe", the only conduit offered (""; "socketpair" and
	// "inet" are pipes too, as on POE's pipe conduit).
	Conduit string

	// StdioFilter is the default for StdinFilter and StdoutFilter. Nil
	// means filter.NewLine with Literal "\n", as in POE, and so does a
	// nil StderrFilter.
	StdioFilter  filter.Filter
	StdinFilter  filter.Filter
	StdoutFilter filter.Filter
	StderrFilter filter.Filter

	// StdoutEvent and StderrEvent receive each record the child writes:
	// ARG0 the record, ARG1 the wheel ID. A handle is a pipe only when
	// its event is given; otherwise the child inherits the parent's.
	StdoutEvent string
	StderrEvent string
	// StdinEvent is called with the wheel ID when everything Put has
	// been written to the child.
	StdinEvent string
	// ErrorEvent receives ARG0 the operation ("read" or "write"), ARG1
	// the errno (0 at end of file), ARG2 its text ("" at end of file),
	// ARG3 the wheel ID and ARG4 the handle: "STDIN", "STDOUT" or
	// "STDERR". The end of STDOUT and STDERR is reported this way.
	ErrorEvent string
	// CloseEvent is called with the wheel ID once every output handle
	// that has an event has reached its end.
	CloseEvent string

	// NoStdin leaves the child the parent's standard input.
	NoStdin bool
	// RedirectStdin, RedirectStdout and RedirectStderr connect a handle
	// to a file instead of a pipe: a file name (opened for reading, or
	// created and truncated for writing) or an *os.File. RedirectOutput
	// sends both STDOUT and STDERR there. Each excludes its handle's
	// Event.
	RedirectStdin  any
	RedirectStdout any
	RedirectStderr any
	RedirectOutput any
	// NoSetPgrp keeps the child in the parent's process group; by default
	// it leads a group of its own, as POE's setpgrp.
	NoSetPgrp bool
}

// withDefaults validates o and returns a copy with the defaults filled in.
func (o RunOptions) withDefaults() (RunOptions, error) {
	switch p := o.Program.(type) {
	case string:
		if strings.TrimSpace(p) == "" {
			return o, ErrRunProgram
		}
	case []string:
		if len(p) == 0 || p[0] == "" {
			return o, ErrRunProgram
		}
	default:
		return o, fmt.Errorf("%w (got %T)", ErrRunProgram, o.Program)
	}
	switch o.Conduit {
	case "", "pipe", "socketpair", "inet":
		o.Conduit = "pipe"
	default:
		return o, fmt.Errorf("%w: %q (only pipes)", ErrRunConduit, o.Conduit)
	}
	if o.RedirectOutput != nil {
		if o.RedirectStdout != nil || o.RedirectStderr != nil {
			return o, fmt.Errorf("%w: RedirectOutput with RedirectStdout or RedirectStderr", ErrRunRedirect)
		}
		o.RedirectStdout, o.RedirectStderr = o.RedirectOutput, o.RedirectOutput
	}
	for _, c := range []struct {
		redir any
		event string
		name  string
	}{
		{o.RedirectStdin, o.StdinEvent, "Stdin"},
		{o.RedirectStdout, o.StdoutEvent, "Stdout"},
		{o.RedirectStderr, o.StderrEvent, "Stderr"},
	} {
		switch c.redir.(type) {
		case nil, string, *os.File:
		default:
			return o, fmt.Errorf("%w: Redirect%s is a %T, not a file name or *os.File", ErrRunRedirect, c.name, c.redir)
		}
		if c.redir != nil && c.event != "" {
			return o, fmt.Errorf("%w: Redirect%s and %sEvent exclude each other", ErrRunRedirect, c.name, c.name)
		}
	}
	if o.RedirectStdin != nil && o.NoStdin {
		return o, fmt.Errorf("%w: RedirectStdin and NoStdin exclude each other", ErrRunRedirect)
	}
	if o.StdioFilter == nil {
		o.StdioFilter = filter.NewLine(filter.LineOptions{Literal: "\n"})
	}
	if o.StdinFilter == nil {
		o.StdinFilter = o.StdioFilter
	}
	if o.StdoutFilter == nil {
		o.StdoutFilter = o.StdioFilter
	}
	if o.StderrFilter == nil {
		o.StderrFilter = filter.NewLine(filter.LineOptions{Literal: "\n"})
	}
	return o, nil
}

// argv is the command line the options describe.
func (o RunOptions) argv() []string {
	if p, ok := o.Program.([]string); ok {
		return append(append([]string(nil), p...), o.ProgramArgs...)
	}
	line := o.Program.(string)
	if len(o.ProgramArgs) > 0 {
		line += " " + strings.Join(o.ProgramArgs, " ")
	}
	return []string{"/bin/sh", "-c", line}
}

// Run is POE::Wheel::Run: a child process whose standard input, output
// and error are pipes to the session. Lines (records of StdoutFilter and
// StderrFilter) the child writes arrive as StdoutEvent and StderrEvent;
// Put writes records to its standard input.
//
// The wheel waits for the child and reports its exit with
// Kernel.ChildExit, so, as in POE, a session that wants the exit status
// calls SigChild with the child's PID; its event gets ARG0 "CHLD", ARG1
// the PID and ARG2 the status in POE's $? encoding (exit code << 8, or the
// signal number, plus 128 for a core dump):
//
//	w, err := wheel.NewRun(e.Kernel, wheel.RunOptions{
//		Program:     []string{"sort"},
//		StdoutEvent: "got_line",
//		CloseEvent:  "child_closed",
//	})
//	if err != nil { ... }
//	e.Heap["child"] = w
//	e.Kernel.SigChild(w.PID(), "child_exited")
//	w.Put("b", "a")
//	w.ShutdownStdin()
//
// The exit may be reported before the last records: as in POE, delete
// the wheel once both CloseEvent and the SigChild event have come, since
// Close kills a child that is still running.
//
// Reading has back-pressure: a handle is read one chunk at a time, and
// the next read waits until the session has decoded the chunk and handled
// its records, so a child that writes faster than the session reads blocks
// on its pipe. Records are decoded with the handle's filter in the
// session's handler, so SetStdoutFilter applies to the very next record.
//
// Methods must be called from handlers of the wheel's kernel (any session)
// or, once Run has returned, from the goroutine that ran it.
//
// Differences from POE:
//   - Program is a command string or an argv; Go cannot fork to run a
//     function. A string always goes through /bin/sh -c (Perl's exec
//     skips the shell when the string has no metacharacters), so a missing
//     command there is the shell's exit status 127, not an error; an argv
//     whose program cannot be started makes NewRun return the error.
//   - Env and Cwd are options. The pty conduits, User, Group, CloseOnCall,
//     NoSetSid, Winsize, the drivers and event() are not offered.
//   - PauseStdout and PauseStderr are exact: no record is delivered after
//     them until the Resume, even from a chunk already read (POE finishes
//     the chunk).
//   - ShutdownStdin closes the child's input once what was Put has been
//     written (POE closes it at once and drops what is buffered). Put
//     returns an error where POE croaks. What Put queues is not bounded,
//     as in POE: GetDriverOutOctets tells how much is waiting.
//   - Close (also Heap.Delete of the wheel and the session's stop) kills
//     the child: SIGTERM, then SIGKILL if it has not exited after two
//     seconds; POE leaves the child running. Close does not wait for the
//     child, so the loop goes on meanwhile, but Kernel.Run waits for it
//     before it returns (outside Run, as under RunOneTimeslice, Close
//     waits). The exit still reaches SigChild watchers, if their session
//     lives.
type Run struct {
	id   int
	p    pump
	opts RunOptions
	cmd  *exec.Cmd
	pid  int

	stdin          *runIn
	stdout, stderr *runOut
	stdinFilter    filter.Filter
	active         int // output handles with an event and not at their end

	waitDone chan struct{}              // closed when the child has been reaped
	kill     atomic.Pointer[time.Timer] // Close's SIGKILL, stopped by the reaper
}

// runLinger is a closed wheel's child that has not exited yet, given to
// the kernel (see Kernel.Linger): Run waits for it before it returns.
type runLinger struct{ w *Run }

// Close waits for the child, which Close has signalled and the timer
// kills.
func (l runLinger) Close() error {
	<-l.w.waitDone
	return nil
}

// runOut is one output handle (STDOUT or STDERR). The reader goroutine
// owns f's reads; the rest belongs to the session's handlers.
type runOut struct {
	name   string
	event  string
	f      *os.File
	filter filter.Filter
	token  chan struct{} // a token lets the reader read one more chunk
	read   atomic.Int64  // bytes read, for tests

	paused     bool
	owed       bool // the reader waits for the token of a chunk it posted
	kicking    bool // a resume message is queued
	eof        bool
	eofErr     error
	finished   bool // the end was reported
	delivering bool
}

// runIn is the child's standard input. Put appends to buf; the writer
// goroutine writes it.
type runIn struct {
	f    *os.File
	wake chan struct{}

	mu      sync.Mutex
	buf     []byte // waiting to be written
	writing int    // bytes being written now
	shut    bool   // ShutdownStdin: close once buf is written
	err     error  // the write error that ended the writer
}

// Messages from the goroutines to the wheel's handler.
type (
	runChunk struct {
		o    *runOut
		data []byte
	}
	runEnd struct {
		o   *runOut
		err error
	}
	runKick     struct{ o *runOut }
	runFlushed  struct{}
	runWriteErr struct{ err error }
)

// NewRun starts a child process as POE::Wheel::Run->new does and returns
// its wheel, which belongs to the session being dispatched on k (pass
// e.Kernel). Call it from a handler. It returns an error, and starts
// nothing, when the options are invalid or the program cannot be started.
func NewRun(k *kernel.Kernel, opts RunOptions) (*Run, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Run{id: NewID(), opts: o, stdinFilter: o.StdinFilter, waitDone: make(chan struct{})}
	if err := w.p.start(k, "run", w.id, w.handle); err != nil {
		return nil, err
	}
	if err := w.spawn(); err != nil {
		w.p.shutdown(nil)
		return nil, err
	}
	go w.reaper()
	if err := w.p.k.HandleAdd(w); err != nil {
		w.Close()
		return nil, fmt.Errorf("wheel: %w", err)
	}
	if w.stdout != nil {
		w.active++
	}
	if w.stderr != nil {
		w.active++
	}
	for _, out := range []*runOut{w.stdout, w.stderr} {
		if out != nil {
			give(out.token)
			w.p.goroutine(func() {
				w.p.readChunks(out.f, out.token,
					func(b []byte) any { return runChunk{out, b} },
					func(err error) any { return runEnd{out, err} },
					&out.read)
			})
		}
	}
	if w.stdin != nil {
		w.p.goroutine(w.writer)
	}
	return w, nil
}

// spawn makes the pipes and starts the child.
func (w *Run) spawn() (err error) {
	o := w.opts
	argv := o.argv()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = o.Env, o.Cwd
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: !o.NoSetPgrp}

	// The child's ends and the files opened for redirection are closed
	// once the child has them; ours are closed on failure.
	var theirs, ours []*os.File
	defer func() {
		for _, f := range theirs {
			f.Close()
		}
		if err != nil {
			for _, f := range ours {
				f.Close()
			}
			w.stdin, w.stdout, w.stderr = nil, nil, nil
		}
	}()
	// RedirectOutput's file is opened once, so that STDOUT and STDERR
	// share its offset, as POE's dup does.
	written := map[string]*os.File{}
	redirect := func(spec any, write bool) (*os.File, error) {
		switch v := spec.(type) {
		case *os.File:
			return v, nil
		case string:
			if f := written[v]; f != nil && write {
				return f, nil
			}
			var f *os.File
			var err error
			if write {
				f, err = os.OpenFile(v, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
				written[v] = f
			} else {
				f, err = os.Open(v)
			}
			if err != nil {
				return nil, fmt.Errorf("wheel: Run redirect: %w", err)
			}
			theirs = append(theirs, f)
			return f, nil
		}
		return nil, nil
	}
	pipe := func() (r, wr *os.File, err error) {
		r, wr, err = os.Pipe()
		if err != nil {
			return nil, nil, fmt.Errorf("wheel: Run pipe: %w", err)
		}
		return r, wr, nil
	}

	switch {
	case o.RedirectStdin != nil:
		if cmd.Stdin, err = redirect(o.RedirectStdin, false); err != nil {
			return err
		}
	case o.NoStdin:
		cmd.Stdin = os.Stdin
	default:
		r, wr, err := pipe()
		if err != nil {
			return err
		}
		theirs, ours = append(theirs, r), append(ours, wr)
		cmd.Stdin = r
		w.stdin = &runIn{f: wr, wake: make(chan struct{}, 1)}
	}
	outs := []struct {
		redir  any
		event  string
		name   string
		filter filter.Filter
		dflt   *os.File
		dst    **runOut
		set    func(*os.File)
	}{
		{o.RedirectStdout, o.StdoutEvent, "STDOUT", o.StdoutFilter, os.Stdout, &w.stdout, func(f *os.File) { cmd.Stdout = f }},
		{o.RedirectStderr, o.StderrEvent, "STDERR", o.StderrFilter, os.Stderr, &w.stderr, func(f *os.File) { cmd.Stderr = f }},
	}
	for _, h := range outs {
		switch {
		case h.redir != nil:
			f, err := redirect(h.redir, true)
			if err != nil {
				return err
			}
			h.set(f)
		case h.event != "":
			r, wr, err := pipe()
			if err != nil {
				return err
			}
			theirs, ours = append(theirs, wr), append(ours, r)
			h.set(wr)
			*h.dst = &runOut{name: h.name, event: h.event, f: r, filter: h.filter, token: make(chan struct{}, 1)}
		default:
			h.set(h.dflt)
		}
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("wheel: Run: %w", err)
	}
	w.cmd, w.pid = cmd, cmd.Process.Pid
	if o.Priority != 0 {
		runSetPriority(w.pid, o.Priority)
	}
	return nil
}

// reaper waits for the child and reports its exit to the kernel. Close
// (or, once it has returned, Kernel.Run through runLinger) waits for it
// through waitDone.
func (w *Run) reaper() {
	_ = w.cmd.Wait()
	status := -1 // Perl's $? when there is no child to wait for
	if ps := w.cmd.ProcessState; ps != nil {
		status = runExitStatus(ps)
	}
	_ = w.p.k.ChildExit(w.pid, status)
	close(w.waitDone)
	if t := w.kill.Load(); t != nil {
		t.Stop() // (one set after this load fires and finds the child reaped)
	}
	w.p.k.Unlinger(runLinger{w})
}

// runExitStatus encodes a child's end as Perl's $?: the exit code in the
// high byte, or the signal number in the low seven bits and 128 for a core
// dump.
func runExitStatus(ps *os.ProcessState) int {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok {
		return ps.ExitCode() << 8
	}
	switch {
	case ws.Exited():
		return ws.ExitStatus() << 8
	case ws.Signaled():
		s := int(ws.Signal()) & 0x7f
		if ws.CoreDump() {
			s |= 0x80
		}
		return s
	}
	return int(ws)
}

// writer writes what Put queued to the child's standard input. It swaps
// buffers with Put, so a burst of Puts is one write.
func (w *Run) writer() {
	in := w.stdin
	var spare []byte
	for {
		in.mu.Lock()
		for len(in.buf) == 0 && !in.shut {
			in.mu.Unlock()
			if !w.p.wait(in.wake) {
				return
			}
			in.mu.Lock()
		}
		if len(in.buf) == 0 {
			in.mu.Unlock()
			in.f.Close()
			return
		}
		chunk := in.buf
		in.buf, in.writing = spare[:0], len(chunk)
		in.mu.Unlock()

		_, err := in.f.Write(chunk)

		in.mu.Lock()
		in.writing = 0
		spare = chunk
		if err != nil {
			in.err, in.buf = err, nil
			in.mu.Unlock()
			in.f.Close()
			select {
			case <-w.p.done:
			default:
				w.p.post(runWriteErr{err})
			}
			return
		}
		flushed := len(in.buf) == 0
		in.mu.Unlock()
		if flushed && w.opts.StdinEvent != "" && !w.p.post(runFlushed{}) {
			return
		}
	}
}

// handle is the internal state's handler: it runs in the session.
func (w *Run) handle(e *kernel.Event, msg any) {
	switch m := msg.(type) {
	case runChunk:
		m.o.owed = true
		// Even if a user's handler panics, the reader must go on.
		defer w.settle(m.o)
		m.o.filter.GetOneStart([][]byte{m.data})
		w.deliver(m.o)
	case runEnd:
		m.o.eof, m.o.eofErr = true, m.err
		w.settle(m.o)
	case runKick:
		m.o.kicking = false
		defer w.settle(m.o)
		w.deliver(m.o)
	case runFlushed:
		if w.GetDriverOutOctets() == 0 {
			w.call(w.opts.StdinEvent, w.id)
		}
	case runWriteErr:
		w.call(w.opts.ErrorEvent, "write", runErrno(m.err), runErrstr(m.err), w.id, "STDIN")
	}
}

// settle lets o's reader read its next chunk, or reports o's end, unless
// o is paused. The reader gets exactly one token per chunk it posted, so
// it is never more than one chunk ahead of the session.
func (w *Run) settle(o *runOut) {
	if w.p.closed.Load() || o.paused {
		return
	}
	if o.owed {
		o.owed = false
		give(o.token)
	}
	if o.eof && !o.finished {
		o.finished = true
		w.finish(o)
	}
}

// deliver hands the records o's filter holds to o's event, one at a time,
// until the filter needs more input, the handle is paused or the wheel is
// closed.
func (w *Run) deliver(o *runOut) {
	if o.delivering {
		return
	}
	o.delivering = true
	defer func() { o.delivering = false }()
	errs := 0
	for !w.p.closed.Load() && !o.paused {
		recs, err := o.filter.GetOne()
		if err != nil {
			w.call(w.opts.ErrorEvent, "read", runErrno(err), runErrstr(err), w.id, o.name)
			if errs++; errs >= maxFilterErrors {
				return
			}
			continue
		}
		if len(recs) == 0 {
			return
		}
		for _, r := range recs {
			w.call(o.event, r, w.id)
		}
	}
}

// finish reports the end of o: ErrorEvent("read", 0, "", ...) at end of
// file, as POE, then CloseEvent when it was the last output handle.
func (w *Run) finish(o *runOut) {
	err := o.eofErr
	w.call(w.opts.ErrorEvent, "read", runErrno(err), runErrstr(err), w.id, o.name)
	w.active--
	if w.active == 0 && !w.p.closed.Load() {
		w.call(w.opts.CloseEvent, w.id)
	}
}

// call calls event, if any, in the wheel's session.
func (w *Run) call(event string, args ...any) {
	if event == "" {
		return
	}
	_, _ = w.p.k.Call(w.p.sess, event, args...)
}

// ID returns the wheel's unique ID, ARG1 of StdoutEvent and the other
// events. Any goroutine may call it.
func (w *Run) ID() int { return w.id }

// PID returns the child's process ID, for SigChild. Any goroutine may call
// it.
func (w *Run) PID() int { return w.pid }

// Put encodes records with the stdin filter and queues them for the
// child's standard input; StdinEvent follows once they are written. It
// returns ErrRunNoStdin when standard input is not an open pipe, or the
// filter's error.
func (w *Run) Put(records ...any) error {
	in := w.stdin
	if in == nil || w.p.closed.Load() {
		return ErrRunNoStdin
	}
	chunks, err := w.stdinFilter.Put(records)
	if err != nil {
		return fmt.Errorf("wheel: Run.Put: %w", err)
	}
	in.mu.Lock()
	switch {
	case in.err != nil:
		err = fmt.Errorf("%w: %w", ErrRunNoStdin, in.err)
	case in.shut:
		err = fmt.Errorf("%w: shut down", ErrRunNoStdin)
	default:
		for _, c := range chunks {
			in.buf = append(in.buf, c...)
		}
	}
	in.mu.Unlock()
	if err == nil {
		give(in.wake)
	}
	return err
}

// GetDriverOutOctets returns the number of bytes Put that are not yet
// written to the child.
func (w *Run) GetDriverOutOctets() int {
	in := w.stdin
	if in == nil {
		return 0
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.buf) + in.writing
}

// ShutdownStdin closes the child's standard input once what was Put has
// been written, so that the child reads end of file. Put fails after it.
func (w *Run) ShutdownStdin() {
	in := w.stdin
	if in == nil {
		return
	}
	in.mu.Lock()
	in.shut = true
	in.mu.Unlock()
	give(in.wake)
}

// Kill sends the child a signal, SIGTERM by default, as POE's kill. Only
// the first signal given is sent. It returns os.ErrProcessDone once the
// child has been reaped.
func (w *Run) Kill(sig ...os.Signal) error {
	if w.cmd == nil {
		return os.ErrProcessDone
	}
	s := os.Signal(syscall.SIGTERM)
	if len(sig) > 0 && sig[0] != nil {
		s = sig[0]
	}
	return w.cmd.Process.Signal(s)
}

// PauseStdout stops the delivery of STDOUT records and the reading of the
// child's output until ResumeStdout; the child blocks once its pipe is
// full.
func (w *Run) PauseStdout() { w.pause(w.stdout) }

// ResumeStdout undoes PauseStdout.
func (w *Run) ResumeStdout() { w.resume(w.stdout) }

// PauseStderr is PauseStdout for STDERR.
func (w *Run) PauseStderr() { w.pause(w.stderr) }

// ResumeStderr undoes PauseStderr.
func (w *Run) ResumeStderr() { w.resume(w.stderr) }

func (w *Run) pause(o *runOut) {
	if o != nil {
		o.paused = true
	}
}

// resume unpauses o; the records it holds, and its next chunk, come from
// a message, so that no event runs inside ResumeStdout itself.
func (w *Run) resume(o *runOut) {
	if o == nil || !o.paused || w.p.closed.Load() {
		return
	}
	o.paused = false
	if !o.kicking {
		o.kicking = w.p.post(runKick{o})
	}
}

// SetStdioFilter sets the filter of both STDIN and STDOUT.
func (w *Run) SetStdioFilter(f filter.Filter) {
	w.SetStdoutFilter(f)
	w.SetStdinFilter(f)
}

// SetStdinFilter sets the filter that encodes what Put sends.
func (w *Run) SetStdinFilter(f filter.Filter) { w.stdinFilter = f }

// SetStdoutFilter replaces the STDOUT filter: the input the old one holds
// undecoded goes to the new one, which decodes the very next record.
func (w *Run) SetStdoutFilter(f filter.Filter) { w.setOutFilter(w.stdout, &w.opts.StdoutFilter, f) }

// SetStderrFilter is SetStdoutFilter for STDERR.
func (w *Run) SetStderrFilter(f filter.Filter) { w.setOutFilter(w.stderr, &w.opts.StderrFilter, f) }

func (w *Run) setOutFilter(o *runOut, slot *filter.Filter, f filter.Filter) {
	*slot = f
	if o == nil {
		return
	}
	pending := o.filter.GetPending()
	o.filter = f
	if len(pending) > 0 {
		f.GetOneStart(pending)
		// POE decodes what was pending at once; inside the delivery
		// loop, the loop itself goes on with the new filter.
		w.deliver(o)
	}
}

// GetStdinFilter returns the filter that encodes Put's records.
func (w *Run) GetStdinFilter() filter.Filter { return w.stdinFilter }

// GetStdoutFilter returns the filter that decodes STDOUT.
func (w *Run) GetStdoutFilter() filter.Filter {
	if w.stdout != nil {
		return w.stdout.filter
	}
	return w.opts.StdoutFilter
}

// GetStderrFilter returns the filter that decodes STDERR.
func (w *Run) GetStderrFilter() filter.Filter {
	if w.stderr != nil {
		return w.stderr.filter
	}
	return w.opts.StderrFilter
}

// Close stops the wheel: it closes the pipes, waits for the wheel's
// goroutines, and unregisters the wheel from its session. No event of the
// wheel's runs after it. A child still running gets SIGTERM, and SIGKILL
// two seconds later if it has not exited by then; Close does not wait for
// it, but Kernel.Run does before it returns (Close called when Run is not
// running waits itself). Later calls do nothing. It returns nil.
func (w *Run) Close() error {
	if !w.p.shutdown(w.unblock) {
		return nil
	}
	w.p.k.HandleRemove(w)
	if w.cmd == nil || w.reaped() {
		return nil
	}
	if !w.p.k.Linger(runLinger{w}) {
		<-w.waitDone
	} else if w.reaped() {
		// The reaper may have missed it, being done already.
		w.p.k.Unlinger(runLinger{w})
	}
	return nil
}

// reaped says whether the child has been waited for.
func (w *Run) reaped() bool {
	select {
	case <-w.waitDone:
		return true
	default:
		return false
	}
}

// unblock makes the goroutines return: closing a pipe interrupts a read
// or write in progress on it. A child still running is told to end, and
// killed if it has not ended runKillGrace later.
func (w *Run) unblock() {
	if w.stdin != nil {
		w.stdin.f.Close()
	}
	for _, o := range []*runOut{w.stdout, w.stderr} {
		if o != nil {
			o.f.Close()
		}
	}
	if w.cmd == nil || w.reaped() {
		return
	}
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	w.kill.Store(time.AfterFunc(runKillGrace, func() {
		if !w.reaped() {
			_ = w.cmd.Process.Signal(syscall.SIGKILL)
		}
	}))
}
