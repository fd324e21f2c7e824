package wheel_test

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// watchdog is how long a test's kernel may run before it is stopped and
// the test fails.
const watchdog = 20 * time.Second

// runKernel runs one session with states in a new kernel, stopping it if
// it outlives the watchdog.
func runKernel(t *testing.T, states kernel.States) {
	t.Helper()
	k := kernel.New()
	if _, err := session.Create(session.Options{Kernel: k, InlineStates: states}); err != nil {
		t.Fatalf("session.Create: %v", err)
	}
	timer := time.AfterFunc(watchdog, func() {
		t.Errorf("the kernel ran for more than %v: stopped", watchdog)
		k.Outside().Stop()
	})
	defer timer.Stop()
	if err := k.Run(); err != nil {
		t.Errorf("Run: %v", err)
	}
}

// text renders a record: strings as they are, byte slices as strings.
func text(r any) string {
	if b, ok := r.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(r)
}

// childResult is what a child's session saw.
type childResult struct {
	id, pid  int
	stdout   []string
	stderr   []string
	errors   []string // "op errnum errstr handle"
	closed   int      // CloseEvent count
	status   int      // ARG2 of the CHLD event, -1 without one
	badIDs   []string // events whose wheel ID was wrong
	startErr error
}

// runChild runs a wheel with opts (its events named out, err, error,
// closed) in a session that watches the child's exit, and deletes the
// wheel once the child has exited and its output is closed. start, if
// not nil, runs right after NewRun; more adds or replaces states.
func runChild(t *testing.T, opts wheel.RunOptions, start func(e *kernel.Event, w *wheel.Run), more kernel.States) childResult {
	t.Helper()
	res := childResult{status: -1}
	piped := opts.StdoutEvent != "" || opts.StderrEvent != ""
	exited := false
	done := func(e *kernel.Event) {
		if exited && (res.closed > 0 || !piped) {
			e.Heap.Delete("w")
		}
	}
	checkID := func(e *kernel.Event, i int) {
		if id, _ := e.Arg(i).(int); id != res.id {
			res.badIDs = append(res.badIDs, fmt.Sprintf("%s: id %v, want %d", e.State, e.Arg(i), res.id))
		}
	}
	states := kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewRun(e.Kernel, opts)
			if err != nil {
				res.startErr = err
				return nil
			}
			e.Heap["w"] = w
			res.id, res.pid = w.ID(), w.PID()
			e.Kernel.SigChild(w.PID(), "chld")
			if start != nil {
				start(e, w)
			}
			return nil
		},
		"out": func(e *kernel.Event) any {
			checkID(e, 1)
			res.stdout = append(res.stdout, text(e.Args[0]))
			return nil
		},
		"err": func(e *kernel.Event) any {
			checkID(e, 1)
			res.stderr = append(res.stderr, text(e.Args[0]))
			return nil
		},
		"error": func(e *kernel.Event) any {
			checkID(e, 3)
			res.errors = append(res.errors, fmt.Sprintf("%v %v %q %v", e.Args[0], e.Args[1], e.Args[2], e.Args[4]))
			return nil
		},
		"closed": func(e *kernel.Event) any {
			checkID(e, 0)
			res.closed++
			done(e)
			return nil
		},
		"chld": func(e *kernel.Event) any {
			if e.Args[0] != "CHLD" || e.Args[1] != res.pid {
				t.Errorf("chld args = %v, want CHLD %d status", e.Args, res.pid)
			}
			res.status = e.Args[2].(int)
			exited = true
			done(e)
			return nil
		},
	}
	for name, h := range more {
		states[name] = h
	}
	runKernel(t, states)
	if res.badIDs != nil {
		t.Errorf("wrong wheel IDs: %v", res.badIDs)
	}
	return res
}

func opts(program any, args ...string) wheel.RunOptions {
	return wheel.RunOptions{
		Program: program, ProgramArgs: args,
		StdoutEvent: "out", StderrEvent: "err", ErrorEvent: "error", CloseEvent: "closed",
	}
}

// eofs are the ErrorEvents of a child that closed both output handles.
var eofs = []string{`read 0 "" STDERR`, `read 0 "" STDOUT`}

func TestRunCat(t *testing.T) {
	var lines []string
	res := runChild(t, opts([]string{"cat"}), func(e *kernel.Event, w *wheel.Run) {
		if err := w.Put("one", "two"); err != nil {
			t.Errorf("Put: %v", err)
		}
		if err := w.Put("three"); err != nil {
			t.Errorf("Put: %v", err)
		}
	}, kernel.States{
		"out": func(e *kernel.Event) any {
			w := e.Heap["w"].(*wheel.Run)
			if id := e.Args[1]; id != w.ID() {
				t.Errorf("StdoutEvent ARG1 = %v, want the wheel ID %d", id, w.ID())
			}
			lines = append(lines, e.Args[0].(string))
			if len(lines) == 3 {
				w.ShutdownStdin()
			}
			return nil
		},
	})
	if want := []string{"one", "two", "three"}; !slices.Equal(lines, want) {
		t.Errorf("lines = %q, want %q", lines, want)
	}
	if res.closed != 1 {
		t.Errorf("CloseEvent came %d times, want 1", res.closed)
	}
	if res.status != 0 {
		t.Errorf("exit status = %d, want 0", res.status)
	}
	slices.Sort(res.errors)
	if !slices.Equal(res.errors, eofs) {
		t.Errorf("ErrorEvents = %q, want %q", res.errors, eofs)
	}
}

func TestRunPrograms(t *testing.T) {
	dir := t.TempDir()
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	redirected := filepath.Join(dir, "out.txt")
	tests := []struct {
		name         string
		opts         wheel.RunOptions
		stdout       []string
		stderr       []string
		status       int
		errors       []string
		closed       int
		wantRedirect string
	}{
		{
			name:   "out, err and exit 3",
			opts:   opts("echo out; echo err >&2; exit 3"),
			stdout: []string{"out"}, stderr: []string{"err"}, status: 3 << 8, errors: eofs, closed: 1,
		},
		{
			name:   "a string with ProgramArgs is one shell command",
			opts:   opts("echo", "a", "b"),
			stdout: []string{"a b"}, status: 0, errors: eofs, closed: 1,
		},
		{
			name:   "an argv with ProgramArgs needs no shell",
			opts:   opts([]string{"printf", "%s\\n"}, "a  b", "$c"),
			stdout: []string{"a  b", "$c"}, status: 0, errors: eofs, closed: 1,
		},
		{
			name:   "killed by a signal",
			opts:   opts("echo before; kill -9 $$; echo after"),
			stdout: []string{"before"}, status: 9, errors: eofs, closed: 1,
		},
		{
			name: "Env replaces the environment",
			opts: func() wheel.RunOptions {
				o := opts(`echo "$POE_RUN_TEST:$HOME"`)
				o.Env = []string{"POE_RUN_TEST=hello"}
				return o
			}(),
			stdout: []string{"hello:"}, status: 0, errors: eofs, closed: 1,
		},
		{
			name: "Cwd",
			opts: func() wheel.RunOptions {
				o := opts([]string{"pwd", "-P"})
				o.Cwd = dir
				return o
			}(),
			stdout: []string{realDir}, status: 0, errors: eofs, closed: 1,
		},
		{
			name:   "a last line without newline is not a record, as in POE",
			opts:   opts([]string{"printf", "a\\nb"}),
			stdout: []string{"a"}, status: 0, errors: eofs, closed: 1,
		},
		{
			name: "StdoutFilter",
			opts: func() wheel.RunOptions {
				o := opts([]string{"printf", "a\\nb"})
				o.StdoutFilter = filter.NewStream()
				return o
			}(),
			stdout: []string{"a\nb"}, status: 0, errors: eofs, closed: 1,
		},
		{
			name: "StdioFilter",
			opts: func() wheel.RunOptions {
				o := opts([]string{"printf", "a;b;"})
				o.StdioFilter = filter.NewLine(filter.LineOptions{Literal: ";"})
				return o
			}(),
			stdout: []string{"a", "b"}, status: 0, errors: eofs, closed: 1,
		},
		{
			name: "only STDOUT has an event",
			opts: wheel.RunOptions{
				Program: "echo out; exit 1", StdoutEvent: "out", ErrorEvent: "error", CloseEvent: "closed",
			},
			stdout: []string{"out"}, status: 1 << 8, errors: []string{`read 0 "" STDOUT`}, closed: 1,
		},
		{
			name: "RedirectStdout",
			opts: wheel.RunOptions{
				Program: "echo hi; echo there >&2", RedirectStdout: redirected, StderrEvent: "err",
				ErrorEvent: "error", CloseEvent: "closed",
			},
			stderr: []string{"there"}, status: 0, errors: []string{`read 0 "" STDERR`}, closed: 1,
			wantRedirect: "hi\n",
		},
		{
			name: "RedirectOutput",
			opts: wheel.RunOptions{
				Program: "echo hi; echo there >&2", RedirectOutput: redirected, ErrorEvent: "error", CloseEvent: "closed",
			},
			status: 0, wantRedirect: "hi\nthere\n",
		},
		{
			name: "RedirectStdin",
			opts: func() wheel.RunOptions {
				o := opts([]string{"cat"})
				o.RedirectStdin = "/dev/null"
				return o
			}(),
			status: 0, errors: eofs, closed: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runChild(t, tt.opts, nil, nil)
			if res.startErr != nil {
				t.Fatalf("NewRun: %v", res.startErr)
			}
			if !slices.Equal(res.stdout, tt.stdout) {
				t.Errorf("stdout = %q, want %q", res.stdout, tt.stdout)
			}
			if !slices.Equal(res.stderr, tt.stderr) {
				t.Errorf("stderr = %q, want %q", res.stderr, tt.stderr)
			}
			if res.status != tt.status {
				t.Errorf("exit status = %d, want %d", res.status, tt.status)
			}
			slices.Sort(res.errors)
			if !slices.Equal(res.errors, tt.errors) {
				t.Errorf("ErrorEvents = %q, want %q", res.errors, tt.errors)
			}
			if res.closed != tt.closed {
				t.Errorf("CloseEvent came %d times, want %d", res.closed, tt.closed)
			}
			if tt.wantRedirect != "" {
				b, err := os.ReadFile(redirected)
				if err != nil || string(b) != tt.wantRedirect {
					t.Errorf("redirected file = %q, %v; want %q", b, err, tt.wantRedirect)
				}
			}
		})
	}
}

func TestRunKill(t *testing.T) {
	tests := []struct {
		name   string
		sig    []os.Signal
		status int
	}{
		{"default TERM", nil, int(syscall.SIGTERM)},
		{"KILL", []os.Signal{syscall.SIGKILL}, int(syscall.SIGKILL)},
		{"INT", []os.Signal{os.Interrupt}, int(syscall.SIGINT)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var afterExit error
			res := runChild(t, opts([]string{"sleep", "100"}), func(e *kernel.Event, w *wheel.Run) {
				if err := w.Kill(tt.sig...); err != nil {
					t.Errorf("Kill: %v", err)
				}
			}, kernel.States{
				"closed": func(e *kernel.Event) any {
					e.Heap["closed"] = true
					return nil
				},
				"chld": func(e *kernel.Event) any {
					if e.Heap["closed"] == nil {
						// STDOUT's end may come later: wait for it.
						e.Kernel.Delay("chld", 10*time.Millisecond, e.Args...)
						return nil
					}
					w := e.Heap["w"].(*wheel.Run)
					afterExit = w.Kill()
					e.Heap.Delete("w")
					if got := e.Args[2].(int); got != tt.status {
						t.Errorf("exit status = %d, want %d", got, tt.status)
					}
					return nil
				},
			})
			if res.startErr != nil {
				t.Fatalf("NewRun: %v", res.startErr)
			}
			if !errors.Is(afterExit, os.ErrProcessDone) {
				t.Errorf("Kill after the exit = %v, want os.ErrProcessDone", afterExit)
			}
		})
	}
}

func TestRunBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts wheel.RunOptions
		want error
	}{
		{"no Program", wheel.RunOptions{}, wheel.ErrRunProgram},
		{"empty string", wheel.RunOptions{Program: "  "}, wheel.ErrRunProgram},
		{"empty argv", wheel.RunOptions{Program: []string{}}, wheel.ErrRunProgram},
		{"a number", wheel.RunOptions{Program: 42}, wheel.ErrRunProgram},
		{"pty", wheel.RunOptions{Program: "true", Conduit: "pty"}, wheel.ErrRunConduit},
		{"unknown conduit", wheel.RunOptions{Program: "true", Conduit: "carrier pigeon"}, wheel.ErrRunConduit},
		{"redirect and event", wheel.RunOptions{Program: "true", RedirectStdout: "/dev/null", StdoutEvent: "out"}, wheel.ErrRunRedirect},
		{"RedirectOutput and StderrEvent", wheel.RunOptions{Program: "true", RedirectOutput: "/dev/null", StderrEvent: "err"}, wheel.ErrRunRedirect},
		{"redirect of a bad type", wheel.RunOptions{Program: "true", RedirectStdin: 3}, wheel.ErrRunRedirect},
		{"RedirectStdin and NoStdin", wheel.RunOptions{Program: "true", RedirectStdin: "/dev/null", NoStdin: true}, wheel.ErrRunRedirect},
		{"missing program", wheel.RunOptions{Program: []string{"/nonexistent/poe-run-test"}, StdoutEvent: "out"}, fs.ErrNotExist},
		{"missing program on PATH", wheel.RunOptions{Program: []string{"poe-run-test-no-such-program"}}, exec.ErrNotFound},
		{"missing Cwd", wheel.RunOptions{Program: []string{"true"}, Cwd: "/nonexistent/poe-run-test"}, fs.ErrNotExist},
		{"missing stdin file", wheel.RunOptions{Program: []string{"true"}, RedirectStdin: "/nonexistent/poe-run-test"}, fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got error
			var w *wheel.Run
			runKernel(t, kernel.States{
				"_start": func(e *kernel.Event) any {
					w, got = wheel.NewRun(e.Kernel, tt.opts)
					return nil
				},
				"_stop": func(e *kernel.Event) any { return nil },
				"_default": func(e *kernel.Event) any {
					t.Errorf("unexpected event %q %v", e.Args[0], e.Args[1])
					return nil
				},
			})
			if w != nil || !errors.Is(got, tt.want) {
				t.Errorf("NewRun = %v, %v; want nil, an error matching %v", w, got, tt.want)
			}
		})
	}
	t.Run("outside a session", func(t *testing.T) {
		k := kernel.New()
		w, err := wheel.NewRun(k, wheel.RunOptions{Program: "true"})
		if w != nil || !errors.Is(err, kernel.ErrNoSuchSession) {
			t.Errorf("NewRun = %v, %v; want nil, ErrNoSuchSession", w, err)
		}
		w, err = wheel.NewRun(nil, wheel.RunOptions{Program: "true"})
		if w != nil || !errors.Is(err, kernel.ErrNoSuchSession) {
			t.Errorf("NewRun(nil) = %v, %v; want nil, ErrNoSuchSession", w, err)
		}
	})
}

// TestRunBackPressure runs a child that writes as fast as it can to a
// session that handles each line slowly: the wheel must never hold more
// than one chunk that the session has not handled.
func TestRunBackPressure(t *testing.T) {
	const lines = 2000
	const line = "abcdefghijklmnopqrstuvwxyz"
	var n int
	var consumed, worst int64
	runKernel(t, kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewRun(e.Kernel, wheel.RunOptions{Program: []string{"yes", line}, StdoutEvent: "out"})
			if err != nil {
				t.Errorf("NewRun: %v", err)
				return nil
			}
			e.Heap["w"] = w
			return nil
		},
		"out": func(e *kernel.Event) any {
			w := e.Heap["w"].(*wheel.Run)
			if e.Args[0] != line {
				t.Errorf("line %d = %q, want %q", n, e.Args[0], line)
			}
			n++
			consumed += int64(len(line) + 1)
			if ahead := wheel.RunBytesRead(w, "STDOUT") - consumed; ahead > worst {
				worst = ahead
			}
			if n%100 == 0 {
				time.Sleep(time.Millisecond) // a slow session
			}
			if n == lines {
				e.Heap.Delete("w")
			}
			return nil
		},
	})
	if n != lines {
		t.Errorf("got %d lines, want %d", n, lines)
	}
	if worst > wheel.ReadSize {
		t.Errorf("the wheel read %d bytes ahead of the session, want at most %d", worst, wheel.ReadSize)
	}
}

func TestRunPause(t *testing.T) {
	var log []string
	var readAtPause, readAtResume int64
	runKernel(t, kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewRun(e.Kernel, wheel.RunOptions{
				Program: "echo 1; echo 2; echo 3; exec yes", StdoutEvent: "out",
			})
			if err != nil {
				t.Errorf("NewRun: %v", err)
				return nil
			}
			e.Heap["w"] = w
			return nil
		},
		"out": func(e *kernel.Event) any {
			w := e.Heap["w"].(*wheel.Run)
			log = append(log, e.Args[0].(string))
			switch len(log) {
			case 1:
				w.PauseStdout()
				readAtPause = wheel.RunBytesRead(w, "STDOUT")
				e.Kernel.Delay("resume", 100*time.Millisecond)
			case 5:
				e.Heap.Delete("w")
			}
			return nil
		},
		"resume": func(e *kernel.Event) any {
			w := e.Heap["w"].(*wheel.Run)
			readAtResume = wheel.RunBytesRead(w, "STDOUT")
			log = append(log, "resume")
			w.ResumeStdout()
			w.ResumeStdout() // a second resume changes nothing
			return nil
		},
	})
	want := []string{"1", "resume", "2", "3", "y"}
	if !slices.Equal(log, want) {
		t.Errorf("events = %q, want %q", log, want)
	}
	if readAtResume > readAtPause+wheel.ReadSize {
		t.Errorf("read %d bytes while paused, want at most one chunk (%d)", readAtResume-readAtPause, wheel.ReadSize)
	}
}

func TestRunStdinEvent(t *testing.T) {
	o := opts([]string{"cat"})
	o.StdinEvent = "flushed"
	flushed := 0
	res := runChild(t, o, func(e *kernel.Event, w *wheel.Run) {
		w.Put(strings.Repeat("x", 1<<20))
	}, kernel.States{
		"flushed": func(e *kernel.Event) any {
			w := e.Heap["w"].(*wheel.Run)
			if e.Args[0] != w.ID() {
				t.Errorf("StdinEvent ARG0 = %v, want %d", e.Args[0], w.ID())
			}
			if n := w.GetDriverOutOctets(); n != 0 {
				t.Errorf("GetDriverOutOctets in StdinEvent = %d, want 0", n)
			}
			flushed++
			w.ShutdownStdin()
			if err := w.Put("late"); !errors.Is(err, wheel.ErrRunNoStdin) {
				t.Errorf("Put after ShutdownStdin = %v, want ErrRunNoStdin", err)
			}
			return nil
		},
	})
	if flushed != 1 {
		t.Errorf("StdinEvent came %d times, want 1", flushed)
	}
	if len(res.stdout) != 1 || len(res.stdout[0]) != 1<<20 {
		t.Errorf("cat echoed %d records, want one of %d bytes", len(res.stdout), 1<<20)
	}
	if res.status != 0 || res.closed != 1 {
		t.Errorf("status %d, CloseEvent %d times; want 0, 1", res.status, res.closed)
	}
}

// TestRunWriteError writes to a child that has exited: the write fails
// with EPIPE, reported as POE does.
func TestRunWriteError(t *testing.T) {
	var putErr error
	res := runChild(t, opts([]string{"true"}), nil, kernel.States{
		"chld": func(e *kernel.Event) any {
			e.Heap["w"].(*wheel.Run).Put("into the void")
			return nil
		},
		"error": func(e *kernel.Event) any {
			if e.Args[0] != "write" {
				return nil
			}
			want := []any{"write", int(syscall.EPIPE), syscall.EPIPE.Error(), e.Heap["w"].(*wheel.Run).ID(), "STDIN"}
			if !slices.Equal(e.Args, want) {
				t.Errorf("ErrorEvent = %v, want %v", e.Args, want)
			}
			putErr = e.Heap["w"].(*wheel.Run).Put("more")
			e.Heap.Delete("w")
			return nil
		},
	})
	if res.startErr != nil {
		t.Fatal(res.startErr)
	}
	if !errors.Is(putErr, wheel.ErrRunNoStdin) || !errors.Is(putErr, syscall.EPIPE) {
		t.Errorf("Put after the write error = %v, want ErrRunNoStdin and EPIPE", putErr)
	}
}

func TestRunNoStdin(t *testing.T) {
	var putErr error
	o := opts([]string{"true"})
	o.NoStdin = true
	res := runChild(t, o, func(e *kernel.Event, w *wheel.Run) {
		putErr = w.Put("x")
		w.ShutdownStdin() // nothing to shut: no panic
	}, nil)
	if !errors.Is(putErr, wheel.ErrRunNoStdin) {
		t.Errorf("Put = %v, want ErrRunNoStdin", putErr)
	}
	if res.status != 0 {
		t.Errorf("status = %d, want 0", res.status)
	}
}

func TestRunSetStdoutFilter(t *testing.T) {
	o := opts([]string{"printf", "line\\nraw bytes"})
	res := runChild(t, o, nil, kernel.States{
		"out": func(e *kernel.Event) any {
			w := e.Heap["w"].(*wheel.Run)
			got := e.Heap["got"]
			switch v := e.Args[0].(type) {
			case string:
				e.Heap["got"] = fmt.Sprintf("%v string %q;", got, v)
				w.SetStdoutFilter(filter.NewStream())
				if _, ok := w.GetStdoutFilter().(*filter.Stream); !ok {
					t.Errorf("GetStdoutFilter = %T, want *filter.Stream", w.GetStdoutFilter())
				}
			case []byte:
				e.Heap["got"] = fmt.Sprintf("%v bytes %q;", got, v)
			}
			return nil
		},
		"_stop": func(e *kernel.Event) any {
			// The bytes may come in one read or several.
			got := fmt.Sprint(e.Heap["got"])
			if !strings.HasPrefix(got, `<nil> string "line";`) || !strings.Contains(got, "bytes") {
				t.Errorf("records = %s, want the line as a string, then bytes", got)
			}
			return nil
		},
	})
	if res.status != 0 {
		t.Errorf("status = %d, want 0", res.status)
	}
}

// TestRunSessionStop stops the session that owns a running child: the
// child is killed and reaped, and no goroutine is left (goleak).
func TestRunSessionStop(t *testing.T) {
	tests := []struct {
		name string
		stop func(e *kernel.Event)
	}{
		{"Kernel.Stop", func(e *kernel.Event) { e.Kernel.Stop() }},
		{"TERM signal", func(e *kernel.Event) { e.Kernel.Signal(e.Session, "TERM") }},
		{"Heap.Delete", func(e *kernel.Event) { e.Heap.Delete("w") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid := 0
			runKernel(t, kernel.States{
				"_start": func(e *kernel.Event) any {
					w, err := wheel.NewRun(e.Kernel, opts([]string{"sleep", "100"}))
					if err != nil {
						t.Errorf("NewRun: %v", err)
						return nil
					}
					e.Heap["w"] = w
					pid = w.PID()
					e.Kernel.Yield("stop")
					return nil
				},
				"stop": func(e *kernel.Event) any {
					tt.stop(e)
					return nil
				},
				"out": func(e *kernel.Event) any { return nil },
			})
			if pid == 0 {
				t.Fatal("no child")
			}
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("kill(%d, 0) = %v after Run, want ESRCH: the child is not reaped", pid, err)
			}
		})
	}
}

// TestRunCloseEscalates closes a wheel whose child ignores SIGTERM: Close
// returns without waiting for it, so the next event finds it alive; it is
// killed with SIGKILL, and the exit reaches SigChild.
func TestRunCloseEscalates(t *testing.T) {
	res := runChild(t, opts(`trap "" TERM; echo ready; exec sleep 100`), nil, kernel.States{
		"out": func(e *kernel.Event) any {
			e.Heap["pid"] = e.Heap["w"].(*wheel.Run).PID()
			e.Heap.Delete("w")
			e.Kernel.Yield("after")
			return nil
		},
		"after": func(e *kernel.Event) any {
			if err := syscall.Kill(e.Heap["pid"].(int), 0); err != nil {
				t.Errorf("kill(pid, 0) = %v in the event after Close: Close waited for the child", err)
			}
			return nil
		},
		"chld": func(e *kernel.Event) any {
			if got := e.Args[2]; got != int(syscall.SIGKILL) {
				t.Errorf("exit status = %v, want %d (SIGKILL)", got, syscall.SIGKILL)
			}
			return nil
		},
	})
	if res.startErr != nil {
		t.Fatal(res.startErr)
	}
	if err := syscall.Kill(res.pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(%d, 0) = %v after Run, want ESRCH", res.pid, err)
	}
}

// TestRunCloseLingers closes a wheel whose child ignores SIGTERM, in a
// session that does not watch the child: the session ends at once, and
// Run, left with nothing to run, still returns only once the child has
// been killed and reaped.
func TestRunCloseLingers(t *testing.T) {
	pid := 0
	runKernel(t, kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewRun(e.Kernel, opts(`trap "" TERM; echo ready; exec sleep 100`))
			if err != nil {
				t.Errorf("NewRun: %v", err)
				return nil
			}
			e.Heap["w"] = w
			pid = w.PID()
			return nil
		},
		"out": func(e *kernel.Event) any {
			e.Heap.Delete("w")
			return nil
		},
	})
	if pid == 0 {
		t.Fatal("no child")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(%d, 0) = %v after Run, want ESRCH: Run did not wait for the child", pid, err)
	}
}

// TestRunLingerThenRunAgain: a child that takes a moment to end on
// SIGTERM lingers after Close, and its exit is posted while Run waits for
// it; the same kernel must then run again, in both modes.
func TestRunLingerThenRunAgain(t *testing.T) {
	for _, mode := range []struct {
		name string
		opt  kernel.Option
	}{{"POE order", kernel.Serial()}, {"Parallel", kernel.Parallel()}} {
		t.Run(mode.name, func(t *testing.T) {
			k := kernel.New(mode.opt)
			_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
				"_start": func(e *kernel.Event) any {
					w, err := wheel.NewRun(e.Kernel, opts(`trap 'sleep 0.1; exit 0' TERM; echo ready; while :; do sleep 0.05; done`))
					if err != nil {
						t.Errorf("NewRun: %v", err)
						return nil
					}
					e.Heap["w"] = w
					return nil
				},
				"out": func(e *kernel.Event) any { e.Heap.Delete("w"); return nil },
			}})
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Run(); err != nil {
				t.Fatal(err)
			}
			ran := false
			_, err = session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
				"_start": func(e *kernel.Event) any { e.Kernel.Yield("again"); return nil },
				"again":  func(e *kernel.Event) any { ran = true; return nil },
			}})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- k.Run() }()
			select {
			case err := <-done:
				if err != nil || !ran {
					t.Errorf("second Run = %v, its event ran: %v", err, ran)
				}
			case <-time.After(watchdog):
				k.Outside().Stop()
				t.Fatal("the second Run did not return")
			}
		})
	}
}

// TestRunCloseInHandler closes the wheel from its own StdoutEvent: no
// record or internal event may follow, not even to _default.
func TestRunCloseInHandler(t *testing.T) {
	var got []string
	runKernel(t, kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewRun(e.Kernel, wheel.RunOptions{
				Program: "exec yes", StdoutEvent: "out", StderrEvent: "out", ErrorEvent: "out", CloseEvent: "out",
			})
			if err != nil {
				t.Errorf("NewRun: %v", err)
				return nil
			}
			e.Heap["w"] = w
			return nil
		},
		"out": func(e *kernel.Event) any {
			got = append(got, fmt.Sprint(e.Args...))
			e.Heap.Delete("w")
			return nil
		},
		"_stop": func(e *kernel.Event) any { return nil },
		"_default": func(e *kernel.Event) any {
			t.Errorf("event %q reached _default", e.Args[0])
			return nil
		},
	})
	if len(got) != 1 || !strings.HasPrefix(got[0], "y") {
		t.Errorf("events = %q, want one line", got)
	}
}

func TestRunPriority(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the nice value from /proc, which only Linux has")
	}
	raw, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := min(20-raw+3, 19)
	got := -100
	runChild(t, wheel.RunOptions{Program: []string{"sleep", "100"}, Priority: 3}, func(e *kernel.Event, w *wheel.Run) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", w.PID()))
		if err != nil {
			t.Errorf("reading the child's stat: %v", err)
		} else {
			// Field 19 is nice; fields after the command's ")" start at 3.
			fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
			got, _ = strconv.Atoi(fields[19-3])
		}
		w.Kill()
	}, nil)
	if got != want {
		t.Errorf("child's nice = %d, want %d", got, want)
	}
}

// BenchmarkRunCatLines measures lines per second through cat: Put, the
// pipe, cat, the pipe back, the filter and StdoutEvent. The plain-go
// sub-benchmark is the same traffic with os/exec and bufio.
func BenchmarkRunCatLines(b *testing.B) {
	const line = "the quick brown fox jumps over the lazy dog"
	b.Run("wheel", func(b *testing.B) {
		b.ReportAllocs()
		got := 0
		k := kernel.New()
		session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
			"_start": func(e *kernel.Event) any {
				w, err := wheel.NewRun(e.Kernel, wheel.RunOptions{Program: []string{"cat"}, StdoutEvent: "out"})
				if err != nil {
					b.Fatal(err)
				}
				e.Heap["w"] = w
				b.ResetTimer()
				e.Kernel.Yield("more", 0)
				return nil
			},
			"more": func(e *kernel.Event) any {
				// Put in batches, so that cat and the session work
				// at the same time.
				w, sent := e.Heap["w"].(*wheel.Run), e.Args[0].(int)
				for i := 0; i < 1000 && sent < b.N; i++ {
					w.Put(line)
					sent++
				}
				if sent < b.N {
					e.Kernel.Yield("more", sent)
				}
				return nil
			},
			"out": func(e *kernel.Event) any {
				if got++; got == b.N {
					e.Heap.Delete("w")
				}
				return nil
			},
		}})
		k.Run()
		b.StopTimer()
		if got != b.N {
			b.Fatalf("got %d lines, want %d", got, b.N)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	})
	b.Run("plain-go", func(b *testing.B) {
		b.ReportAllocs()
		cmd := exec.Command("cat")
		in, _ := cmd.StdinPipe()
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		go func() {
			bw := bufio.NewWriter(in)
			for range b.N {
				bw.WriteString(line + "\n")
			}
			bw.Flush()
			in.Close()
		}()
		sc := bufio.NewScanner(out)
		got := 0
		for sc.Scan() {
			got++
		}
		cmd.Wait()
		b.StopTimer()
		if got != b.N {
			b.Fatalf("got %d lines, want %d", got, b.N)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	})
}

// TestRunFilterError gives STDOUT a filter that refuses a record: the
// error is an ErrorEvent for STDOUT, and the records after it still come.
func TestRunFilterError(t *testing.T) {
	o := opts([]string{"printf", "ok\\nfar too long\\nfine\\n"})
	o.StdoutFilter = filter.NewLine(filter.LineOptions{Literal: "\n", MaxLength: 5})
	res := runChild(t, o, nil, nil)
	if want := []string{"ok", "fine"}; !slices.Equal(res.stdout, want) {
		t.Errorf("stdout = %q, want %q", res.stdout, want)
	}
	var tooLong []string
	for _, e := range res.errors {
		if strings.HasPrefix(e, fmt.Sprintf("read %d ", syscall.EMSGSIZE)) && strings.HasSuffix(e, " STDOUT") {
			tooLong = append(tooLong, e)
		}
	}
	if len(tooLong) != 1 || len(res.errors) != 3 {
		t.Errorf("ErrorEvents = %q, want one EMSGSIZE for STDOUT and the two ends", res.errors)
	}
}

// FuzzRunCat sends data through cat in pieces cut where cuts says: the
// records that come back must be those of the whole data decoded at once.
func FuzzRunCat(f *testing.F) {
	f.Add([]byte("one\ntwo\nthree\n"), []byte{3, 1, 7})
	f.Add([]byte("\n\n\nx"), []byte{1})
	f.Add([]byte("no newline"), []byte{})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		if len(data) > 1<<14 || len(cuts) > 64 {
			return
		}
		want := []string{}
		line := filter.NewLine(filter.LineOptions{Literal: "\n"})
		line.GetOneStart([][]byte{data})
		for range len(data) + 1 {
			recs, err := line.GetOne()
			if err != nil {
				t.Fatalf("Line.GetOne: %v", err)
			}
			if len(recs) == 0 {
				break
			}
			want = append(want, recs[0].(string))
		}
		o := opts([]string{"cat"})
		o.StdinFilter = filter.NewStream()
		res := runChild(t, o, func(e *kernel.Event, w *wheel.Run) {
			for rest, i := data, 0; len(rest) > 0; i++ {
				n := len(rest)
				if i < len(cuts) {
					n = min(int(cuts[i])%64+1, n)
				}
				if err := w.Put(rest[:n]); err != nil {
					t.Errorf("Put: %v", err)
				}
				rest = rest[n:]
			}
			w.ShutdownStdin()
		}, nil)
		if res.stdout == nil {
			res.stdout = []string{}
		}
		if !slices.Equal(res.stdout, want) || res.status != 0 {
			t.Errorf("records = %q, status %d; want %q, 0", res.stdout, res.status, want)
		}
	})
}
