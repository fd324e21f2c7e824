package wheel_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// TestReadWriteFlushOrder puts more in one input handler than a socket
// takes at once, and in more records than one writev carries: the session
// writes what the socket takes, the writer goroutine the rest, and the
// peer reads every record once, in order, followed by the answer to its
// next line; FlushedEvent comes once the buffer is empty.
func TestReadWriteFlushOrder(t *testing.T) {
	const records = 3000
	rec := strings.Repeat("r", 2000) // 6 MB in all
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			server, client := tr.pair(t)
			deadline(client)
			r := newRig(t)
			r.rwServer(server, wheel.ReadWriteOptions{FlushedEvent: "flushed"}, kernel.States{
				"got_input": func(e *kernel.Event) any {
					w := rw(e)
					switch line := e.Args[0].(string); line {
					case "burst":
						for i := range records {
							w.Put(fmt.Sprintf("%d %s", i, rec))
						}
						// A Put outside a delivery: the writer
						// goroutine queues it behind the burst.
						e.Kernel.Yield("tail")
					default:
						w.Put("echo " + line)
					}
					return nil
				},
				"tail": func(e *kernel.Event) any {
					rw(e).Put("tail")
					return nil
				},
				"flushed": func(e *kernel.Event) any {
					r.log.Add("flushed %d", rw(e).GetDriverOutOctets())
					return nil
				},
			})
			go func() { _, _ = io.WriteString(client, "burst\nnext\n") }()
			br := bufio.NewReader(client)
			for i := range records {
				got, err := br.ReadString('\n')
				if want := fmt.Sprintf("%d %s\r\n", i, rec); err != nil || got != want {
					t.Fatalf("record %d = %.20q..., %v; want %.20q...", i, got, err, want)
				}
			}
			// "tail" was put after "echo next" or before it, depending
			// on whether "next" came in the burst's read; both are
			// after the burst.
			var rest []string
			for range 2 {
				got, err := br.ReadString('\n')
				if err != nil {
					t.Fatalf("after the burst: %v", err)
				}
				rest = append(rest, got)
			}
			if !(equalStrings(rest, []string{"echo next\r\n", "tail\r\n"}) || equalStrings(rest, []string{"tail\r\n", "echo next\r\n"})) {
				t.Errorf("after the burst = %q, want echo next and tail", rest)
			}
			r.log.WaitFor(t, "flushed 0", 1)
			client.Close()
			r.wait()
		})
	}
}

// TestReadWriteEvent changes the wheel's events as POE's event method
// does, and refuses what it cannot apply.
func TestReadWriteEvent(t *testing.T) {
	server, client := tcpPair(t)
	deadline(client)
	r := newRig(t)
	r.rwServer(server, wheel.ReadWriteOptions{InputEvent: "got_input"}, kernel.States{
		"got_input": func(e *kernel.Event) any {
			w := rw(e)
			r.log.Add("input %v", e.Args[0])
			for _, c := range []struct {
				pairs []string
				want  error
			}{
				{[]string{"FlushedEvent"}, wheel.ErrOption},
				{[]string{"Bogus", "x"}, wheel.ErrOption},
				{[]string{"InputEvent", ""}, wheel.ErrOption},
				{[]string{"HighEvent", "high"}, wheel.ErrMarks},
				{[]string{"LowEvent", "low"}, wheel.ErrMarks},
			} {
				if err := w.Event(c.pairs...); !errors.Is(err, c.want) {
					r.log.Add("Event(%q) = %v, want %v", c.pairs, err, c.want)
				}
			}
			if err := w.Event("InputEvent", "second", "FlushedEvent", "flushed", "ErrorEvent", "second_error"); err != nil {
				r.log.Add("Event: %v", err)
			}
			w.Put("ok")
			return nil
		},
		"second": func(e *kernel.Event) any {
			r.log.Add("second %v", e.Args[0])
			if err := rw(e).Event("FlushedEvent", ""); err != nil {
				r.log.Add("Event: %v", err)
			}
			rw(e).Put("ok2")
			return nil
		},
		"flushed": func(e *kernel.Event) any {
			r.log.Add("flushed")
			return nil
		},
		"second_error": func(e *kernel.Event) any {
			r.log.Add("second_error %v", e.Args[1])
			e.Heap.Delete("wheel")
			return nil
		},
	})
	br := bufio.NewReader(client)
	for _, line := range []string{"a", "b"} {
		if _, err := io.WriteString(client, line+"\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		if line == "a" {
			r.log.WaitFor(t, "flushed", 1)
		}
	}
	client.Close()
	r.wait()
	want := []string{"input a", "flushed", "second b", "second_error 0"}
	if got := r.log.All(); !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// TestReadWriteBusyKernel echoes while another session keeps the kernel
// busy (each of its events takes a millisecond), so that reads wait in
// the kernel's queue and the replies are left to the writer goroutine:
// the writer takes over (the echoes are too small to fill the socket,
// so the session would otherwise write them all itself), and every echo
// still arrives, once and in order.
func TestReadWriteBusyKernel(t *testing.T) {
	const lines = 200
	server, client := tcpPair(t)
	deadline(client)
	r := newRig(t)
	if _, err := session.Create(session.Options{Kernel: r.k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any { e.Kernel.Yield("spin", 0); return nil },
		"spin": func(e *kernel.Event) any {
			time.Sleep(time.Millisecond)
			if n := e.Args[0].(int); n < 300 {
				e.Kernel.Yield("spin", n+1)
			}
			return nil
		},
	}}); err != nil {
		t.Fatal(err)
	}
	var w *wheel.ReadWrite // read once the kernel has stopped
	r.rwServer(server, wheel.ReadWriteOptions{}, kernel.States{"got_input": func(e *kernel.Event) any {
		w = rw(e)
		w.Put(e.Args[0])
		return nil
	}})
	go func() {
		for i := range lines {
			if _, err := fmt.Fprintf(client, "line %d\n", i); err != nil {
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	br := bufio.NewReader(client)
	for i := range lines {
		got, err := br.ReadString('\n')
		if want := fmt.Sprintf("line %d\r\n", i); err != nil || got != want {
			t.Fatalf("echo %d = %q, %v; want %q", i, got, err, want)
		}
	}
	client.Close()
	r.wait()
	if !wheel.WriterStarted(w) {
		t.Errorf("WriterStarted = false, want true: the writer goroutine did not take over from the busy kernel")
	}
}

// blockedWriter is an output handle Close cannot interrupt, as a terminal:
// it refuses write deadlines, and each Write blocks until release is
// closed, then writes all of p, or fails with err.
type blockedWriter struct {
	started chan struct{} // closed when the first Write begins
	release chan struct{}
	err     error
	once    bool
}

func (b *blockedWriter) Write(p []byte) (int, error) {
	if !b.once {
		b.once = true
		close(b.started)
	}
	<-b.release
	if b.err != nil {
		return 0, b.err
	}
	return len(p), nil
}

func (b *blockedWriter) SetWriteDeadline(time.Time) error { return os.ErrNoDeadline }

// TestReadWriteCloseBlockedWriter closes a wheel while its writer
// goroutine is blocked in a write Close cannot interrupt, so Close drops
// the queue without waiting for it. The wheel keeps every chunk of that
// write (a forwarded read's buffer must not be reused while it is being
// written), and when the write ends, whether it wrote or failed, gives
// them back and counts nothing against the dropped queue.
func TestReadWriteCloseBlockedWriter(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
	}{
		{"wrote", nil},
		{"failed", io.ErrClosedPipe},
	} {
		t.Run(c.name, func(t *testing.T) {
			bw := &blockedWriter{started: make(chan struct{}), release: make(chan struct{}), err: c.err}
			held := -1
			var w *wheel.ReadWrite
			r := newRig(t)
			r.run(kernel.States{
				"_start": func(e *kernel.Event) any {
					var err error
					w, err = wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
						InputHandle: strings.NewReader(""), OutputHandle: bw,
					})
					if err != nil {
						t.Fatalf("NewReadWrite: %v", err)
					}
					// Two chunks, written in one batch.
					w.Put("hello")
					w.Put("world")
					// The flush comes first, then close.
					e.Kernel.Yield("close")
					return nil
				},
				"close": func(e *kernel.Event) any {
					select {
					case <-bw.started:
					case <-time.After(patience):
						t.Error("the writer did not start writing")
					}
					w.Close()
					held = wheel.Orphans(w)
					return nil
				},
			})
			r.wait()
			if held != 2 {
				t.Errorf("chunks kept after Close while the write is blocked = %d, want 2", held)
			}
			close(bw.release)
			wheel.WaitWriter(w)
			if got := w.GetDriverOutOctets(); got != 0 {
				t.Errorf("GetDriverOutOctets() after the write = %d, want 0", got)
			}
			if got := w.GetDriverOutMessages(); got != 0 {
				t.Errorf("GetDriverOutMessages() after the write = %d, want 0", got)
			}
			if n := wheel.Orphans(w); n != 0 {
				t.Errorf("the wheel still holds %d chunks its writer was writing, want them given back", n)
			}
		})
	}
}
