package wheel_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

const tailPoll = 10 * time.Millisecond

// maxIdles bounds how many IdleEvents a tail test waits through.
const maxIdles = 500

// tailScript runs at the n-th IdleEvent (n from 1) and returns true to
// close the wheel.
type tailScript func(t *testing.T, e *kernel.Event, w *wheel.FollowTail, n int) bool

// runTail follows a file with events named line, error, reset and idle,
// and returns the events other than idle, in order: "line <record>",
// "reset", "error <op> <errno>".
func runTail(t *testing.T, o wheel.FollowTailOptions, script tailScript) []string {
	t.Helper()
	o.InputEvent, o.ErrorEvent, o.ResetEvent, o.IdleEvent = "line", "error", "reset", "idle"
	if o.PollInterval == 0 {
		o.PollInterval = tailPoll
	}
	var log []string
	var id int
	idles := 0
	checkID := func(e *kernel.Event, i int) {
		if e.Arg(i) != id {
			t.Errorf("%s: wheel ID %v, want %d", e.State, e.Arg(i), id)
		}
	}
	runKernel(t, kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewFollowTail(e.Kernel, o)
			if err != nil {
				t.Errorf("NewFollowTail: %v", err)
				return nil
			}
			id = w.ID()
			e.Heap["tail"] = w
			return nil
		},
		"line": func(e *kernel.Event) any {
			checkID(e, 1)
			log = append(log, "line "+text(e.Args[0]))
			return nil
		},
		"reset": func(e *kernel.Event) any {
			checkID(e, 0)
			log = append(log, "reset")
			return nil
		},
		"error": func(e *kernel.Event) any {
			checkID(e, 3)
			log = append(log, fmt.Sprintf("error %v %v", e.Args[0], e.Args[1]))
			e.Heap.Delete("tail")
			return nil
		},
		"idle": func(e *kernel.Event) any {
			checkID(e, 0)
			idles++
			w := e.Heap["tail"].(*wheel.FollowTail)
			if idles >= maxIdles {
				t.Errorf("still waiting after %d polls; events so far %q", idles, log)
				e.Heap.Delete("tail")
				return nil
			}
			if script(t, e, w, idles) {
				e.Heap.Delete("tail")
			}
			return nil
		},
		"_stop":    func(e *kernel.Event) any { return nil },
		"_default": func(e *kernel.Event) any { t.Errorf("event %q reached _default", e.Args[0]); return nil },
	})
	return log
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestFollowTailAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	writeFile(t, path, "old 1\nold 2\npart")
	got := runTail(t, wheel.FollowTailOptions{Filename: path}, func(t *testing.T, e *kernel.Event, w *wheel.FollowTail, n int) bool {
		switch n {
		case 1:
			if got, want := w.Tell(), int64(len("old 1\nold 2\npart")); got != want {
				t.Errorf("Tell = %d, want %d", got, want)
			}
			appendFile(t, path, "ial\nnew 1\n")
		case 2:
			appendFile(t, path, "new 2\r\n")
		default:
			return true
		}
		return false
	})
	want := []string{"line partial", "line new 1", "line new 2"}
	if !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestFollowTailSeek(t *testing.T) {
	const content = "aaa\nbbb\nccc\n"
	long := strings.Repeat(strings.Repeat("x", 99)+"\n", 100)
	tests := []struct {
		name     string
		content  string
		seek     *int64
		seekBack *int64
		want     []string
	}{
		{"default: the end", content, nil, nil, nil},
		{"default: the end of a long file", long + "last\n", nil, nil, nil},
		{"SeekBack 8", content, nil, new(int64(8)), []string{"line bbb", "line ccc"}},
		{"SeekBack past the start", content, nil, new(int64(100)), []string{"line aaa", "line bbb", "line ccc"}},
		{"SeekBack 0: the end", content, nil, new(int64(0)), nil},
		{"SeekBack into a line", content, nil, new(int64(6)), []string{"line b", "line ccc"}},
		{"Seek 4", content, new(int64(4)), nil, []string{"line bbb", "line ccc"}},
		{"Seek 0: the start", content, new(int64(0)), nil, []string{"line aaa", "line bbb", "line ccc"}},
		{"Seek -4: from the end", content, new(int64(-4)), nil, []string{"line ccc"}},
		{"Seek past the end", content, new(int64(100)), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			writeFile(t, path, tt.content)
			var tell int64
			got := runTail(t, wheel.FollowTailOptions{Filename: path, Seek: tt.seek, SeekBack: tt.seekBack},
				func(t *testing.T, e *kernel.Event, w *wheel.FollowTail, n int) bool {
					tell = w.Tell()
					return true
				})
			if !slices.Equal(got, tt.want) {
				t.Errorf("events = %q, want %q", got, tt.want)
			}
			if want := int64(len(tt.content)); tell != want {
				t.Errorf("Tell at the first idle = %d, want %d", tell, want)
			}
		})
	}
}

func TestFollowTailTruncate(t *testing.T) {
	for _, byHandle := range []bool{false, true} {
		t.Run(fmt.Sprintf("handle=%v", byHandle), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			writeFile(t, path, "a long first line\n")
			o := wheel.FollowTailOptions{Filename: path, Seek: new(int64(0))}
			if byHandle {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				o.Filename, o.Handle = "", f
			}
			got := runTail(t, o, func(t *testing.T, e *kernel.Event, w *wheel.FollowTail, n int) bool {
				if n == 1 {
					writeFile(t, path, "short\n")
				}
				return n > 1
			})
			want := []string{"line a long first line", "reset", "line short"}
			if !slices.Equal(got, want) {
				t.Errorf("events = %q, want %q", got, want)
			}
		})
	}
}

// TestFollowTailRotate renames the file and makes a new one, as logrotate
// does: what was appended to the old file before the rename is read, then
// the new file from its start.
func TestFollowTailRotate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	writeFile(t, path, "first\n")
	got := runTail(t, wheel.FollowTailOptions{Filename: path, Seek: new(int64(0))}, func(t *testing.T, e *kernel.Event, w *wheel.FollowTail, n int) bool {
		switch n {
		case 1:
			appendFile(t, path, "last\n")
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, "second, a longer line\n")
		case 2:
			// Gone for a while, then back.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		case 3:
			if w.Tell() != -1 {
				t.Errorf("Tell without a file = %d, want -1", w.Tell())
			}
			writeFile(t, path, "third\n")
		default:
			return true
		}
		return false
	})
	want := []string{"line first", "line last", "reset", "line second, a longer line", "reset", "line third"}
	if !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// TestFollowTailOneMessageInFlight handles each IdleEvent slower than the
// poll interval: the wheel must not look at the file again until the
// session has handled its last message, so what an IdleEvent appends is
// read before the next IdleEvent.
func TestFollowTailOneMessageInFlight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	writeFile(t, path, "")
	got := runTail(t, wheel.FollowTailOptions{Filename: path, PollInterval: time.Millisecond},
		func(t *testing.T, e *kernel.Event, w *wheel.FollowTail, n int) bool {
			time.Sleep(5 * time.Millisecond) // a slow session
			if n <= 3 {
				appendFile(t, path, fmt.Sprintf("line %d\n", n))
			}
			return n > 3
		})
	want := []string{"line line 1", "line line 2", "line line 3"}
	if !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestFollowTailLateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	got := runTail(t, wheel.FollowTailOptions{Filename: path}, func(t *testing.T, e *kernel.Event, w *wheel.FollowTail, n int) bool {
		if n == 3 {
			writeFile(t, path, "hello\n")
		}
		return n > 3
	})
	want := []string{"reset", "line hello"}
	if !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// TestFollowTailStatError makes the file's name unreachable: the wheel
// reports the stat error and stops, as POE.
func TestFollowTailStatError(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(sub, "log")
	writeFile(t, path, "")
	got := runTail(t, wheel.FollowTailOptions{Filename: path}, func(t *testing.T, e *kernel.Event, w *wheel.FollowTail, n int) bool {
		if n == 1 {
			if err := os.Rename(sub, sub+".old"); err != nil {
				t.Fatal(err)
			}
			writeFile(t, sub, "a file where the directory was")
			return false
		}
		t.Errorf("idle %d after the error", n)
		return true
	})
	want := []string{fmt.Sprintf("error stat %d", syscall.ENOTDIR)}
	if !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// TestFollowTailClose closes the wheel and appends: nothing more arrives,
// to InputEvent or to _default.
func TestFollowTailClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	writeFile(t, path, "")
	var lines []string
	checked, closed := false, false
	runKernel(t, kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewFollowTail(e.Kernel, wheel.FollowTailOptions{
				Filename: path, InputEvent: "line", IdleEvent: "idle", PollInterval: tailPoll,
			})
			if err != nil {
				t.Errorf("NewFollowTail: %v", err)
				return nil
			}
			e.Heap["tail"] = w
			appendFile(t, path, "one\n")
			return nil
		},
		"line": func(e *kernel.Event) any {
			lines = append(lines, e.Args[0].(string))
			e.Heap.Delete("tail")
			closed = true
			appendFile(t, path, "two\n")
			e.Kernel.Delay("check", 10*tailPoll)
			return nil
		},
		"idle": func(e *kernel.Event) any {
			if closed {
				t.Error("IdleEvent after Close")
			}
			return nil
		},
		"check":    func(e *kernel.Event) any { checked = true; return nil },
		"_stop":    func(e *kernel.Event) any { return nil },
		"_default": func(e *kernel.Event) any { t.Errorf("event %q reached _default", e.Args[0]); return nil },
	})
	if !checked || !slices.Equal(lines, []string{"one"}) {
		t.Errorf("lines = %q (checked %v), want [one] and the check", lines, checked)
	}
}

// TestFollowTailPipe follows a pipe's read end: records as they come,
// IdleEvent at its end; Close leaves the Handle open and usable.
func TestFollowTailPipe(t *testing.T) {
	tests := []struct {
		name  string
		atEnd bool // close the write end: IdleEvent; else Close mid-read
		want  []string
	}{
		{"to the end", true, []string{"line x", "line y", "idle"}},
		{"Close while reading", false, []string{"line x", "line y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, wr, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer wr.Close()
			var log []string
			runKernel(t, kernel.States{
				"_start": func(e *kernel.Event) any {
					w, err := wheel.NewFollowTail(e.Kernel, wheel.FollowTailOptions{
						Handle: r, InputEvent: "line", IdleEvent: "idle", SeekBack: new(int64(0)),
					})
					if err != nil {
						t.Errorf("NewFollowTail: %v", err)
						return nil
					}
					if w.Tell() != -1 {
						t.Errorf("Tell on a pipe = %d, want -1", w.Tell())
					}
					e.Heap["tail"] = w
					wr.WriteString("x\ny\n")
					return nil
				},
				"line": func(e *kernel.Event) any {
					log = append(log, "line "+e.Args[0].(string))
					if e.Args[0] == "y" {
						if tt.atEnd {
							wr.Close()
						} else {
							e.Heap.Delete("tail")
						}
					}
					return nil
				},
				"idle": func(e *kernel.Event) any {
					log = append(log, "idle")
					e.Heap.Delete("tail")
					return nil
				},
			})
			if !slices.Equal(log, tt.want) {
				t.Errorf("events = %q, want %q", log, tt.want)
			}
			if !tt.atEnd {
				wr.WriteString("z\n")
				got, err := bufio.NewReader(r).ReadString('\n')
				if got != "z\n" || err != nil {
					t.Errorf("reading the Handle after Close = %q, %v; want \"z\\n\"", got, err)
				}
			}
		})
	}
}

func TestFollowTailFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	var lines []string
	runKernel(t, kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewFollowTail(e.Kernel, wheel.FollowTailOptions{Filename: path, InputEvent: "line"})
			if err != nil {
				t.Errorf("NewFollowTail: %v", err)
				return nil
			}
			e.Heap["tail"] = w
			// The wheel holds the FIFO open for reading, so this
			// open does not block.
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Errorf("opening the FIFO: %v", err)
				return nil
			}
			f.WriteString("through the fifo\n")
			f.Close()
			return nil
		},
		"line": func(e *kernel.Event) any {
			lines = append(lines, e.Args[0].(string))
			e.Heap.Delete("tail")
			return nil
		},
	})
	if want := []string{"through the fifo"}; !slices.Equal(lines, want) {
		t.Errorf("lines = %q, want %q", lines, want)
	}
}

func TestFollowTailBadOptions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	writeFile(t, path, "")
	dirHandle, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer dirHandle.Close()
	tests := []struct {
		name string
		opts wheel.FollowTailOptions
	}{
		{"neither Filename nor Handle", wheel.FollowTailOptions{InputEvent: "line"}},
		{"both Filename and Handle", wheel.FollowTailOptions{Filename: path, Handle: os.Stdin, InputEvent: "line"}},
		{"no InputEvent", wheel.FollowTailOptions{Filename: path}},
		{"Seek and SeekBack", wheel.FollowTailOptions{Filename: path, InputEvent: "line", Seek: new(int64(1)), SeekBack: new(int64(1))}},
		{"negative PollInterval", wheel.FollowTailOptions{Filename: path, InputEvent: "line", PollInterval: -time.Second}},
		{"a directory by name", wheel.FollowTailOptions{Filename: dir, InputEvent: "line"}},
		{"a directory by handle", wheel.FollowTailOptions{Handle: dirHandle, InputEvent: "line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w *wheel.FollowTail
			var err error
			runKernel(t, kernel.States{
				"_start": func(e *kernel.Event) any {
					w, err = wheel.NewFollowTail(e.Kernel, tt.opts)
					return nil
				},
				"_stop":    func(e *kernel.Event) any { return nil },
				"_default": func(e *kernel.Event) any { t.Errorf("event %q reached _default", e.Args[0]); return nil },
			})
			if w != nil || !errors.Is(err, wheel.ErrFollowTailOptions) {
				t.Errorf("NewFollowTail = %v, %v; want nil, ErrFollowTailOptions", w, err)
			}
		})
	}
	t.Run("outside a session", func(t *testing.T) {
		w, err := wheel.NewFollowTail(kernel.New(), wheel.FollowTailOptions{Filename: path, InputEvent: "line"})
		if w != nil || !errors.Is(err, kernel.ErrNoSuchSession) {
			t.Errorf("NewFollowTail = %v, %v; want nil, ErrNoSuchSession", w, err)
		}
	})
}

// FuzzFollowTail appends data to a followed file in pieces cut where cuts
// says, one piece per poll: the records must be those of the whole data
// decoded at once, however the file grew.
func FuzzFollowTail(f *testing.F) {
	f.Add([]byte("one\ntwo\r\nthree\rfour\n\r\n"), []byte{3, 1, 7})
	f.Add([]byte("a\r\nb\n"), []byte{2})
	f.Add([]byte("no newline at all"), []byte{})
	f.Add([]byte("\n\n\r\r\n"), []byte{1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		if len(data) > 1<<12 || len(cuts) > 64 {
			return
		}
		var pieces [][]byte
		for rest, i := data, 0; len(rest) > 0; i++ {
			n := len(rest)
			if i < len(cuts) {
				n = min(int(cuts[i])%64+1, n)
			}
			pieces, rest = append(pieces, rest[:n]), rest[n:]
		}
		want := []string{}
		line := filter.NewLine()
		line.GetOneStart([][]byte{data})
		for range len(data) + 1 {
			recs, err := line.GetOne()
			if err != nil {
				t.Fatalf("Line.GetOne: %v", err)
			}
			if len(recs) == 0 {
				break
			}
			want = append(want, "line "+recs[0].(string))
		}

		path := filepath.Join(t.TempDir(), "log")
		writeFile(t, path, "")
		got := runTail(t, wheel.FollowTailOptions{Filename: path, PollInterval: time.Millisecond},
			func(t *testing.T, e *kernel.Event, w *wheel.FollowTail, n int) bool {
				if n > len(pieces) {
					return true
				}
				appendFile(t, path, string(pieces[n-1]))
				return false
			})
		if got == nil {
			got = []string{}
		}
		if !slices.Equal(got, want) {
			t.Errorf("records = %q, want %q (pieces %q)", got, want, pieces)
		}
	})
}
