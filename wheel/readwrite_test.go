package wheel_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// rwServer is a session that owns one ReadWrite on conn. opts fills in
// everything but Handle; handlers are added to the session's states. The
// default input handler echoes each record and logs it; the default error
// handler logs the error and deletes the wheel, as POE programs do.
func (r *rig) rwServer(conn net.Conn, opts wheel.ReadWriteOptions, handlers kernel.States) *rig {
	t := r.t
	t.Helper()
	opts.Handle = conn
	if opts.InputEvent == "" && handlers["got_input"] != nil {
		opts.InputEvent = "got_input"
	}
	if opts.ErrorEvent == "" {
		opts.ErrorEvent = "got_error"
	}
	states := kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewReadWrite(e.Kernel, opts)
			if err != nil {
				t.Errorf("NewReadWrite: %v", err)
				return nil
			}
			e.Heap["wheel"] = w
			return nil
		},
		"got_error": func(e *kernel.Event) any {
			r.log.Add("error %v %v %v", e.Args[0], e.Args[1], e.Args[2])
			e.Heap.Delete("wheel")
			return nil
		},
	}
	for name, h := range handlers {
		states[name] = h
	}
	return r.run(states)
}

func rw(e *kernel.Event) *wheel.ReadWrite {
	w, _ := e.Heap["wheel"].(*wheel.ReadWrite)
	return w
}

// echo is an input handler that logs and echoes each record.
func echo(r *rig) kernel.Handler {
	return func(e *kernel.Event) any {
		r.log.Add("input %s", show(e.Args[0]))
		rw(e).Put(e.Args[0])
		return nil
	}
}

func show(rec any) string {
	if b, ok := rec.([]byte); ok {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprint(rec)
}

func TestReadWriteEchoLines(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			server, client := tr.pair(t)
			deadline(client)
			r := newRig(t)
			r.rwServer(server, wheel.ReadWriteOptions{InputEvent: "got_input"}, kernel.States{"got_input": echo(r)})

			go func() {
				// Lines cut across writes, with every newline POE's Line
				// accepts.
				for _, s := range []string{"one\n", "tw", "o\r\nthr", "ee\r", "\nfour\n"} {
					if _, err := client.Write([]byte(s)); err != nil {
						return
					}
				}
			}()
			br := bufio.NewReader(client)
			for _, want := range []string{"one", "two", "three", "four"} {
				got, err := br.ReadString('\n')
				if err != nil || got != want+"\r\n" {
					t.Fatalf("echo = %q, %v; want %q", got, err, want+"\r\n")
				}
			}
			client.Close()
			r.wait()
			want := []string{"input one", "input two", "input three", "input four", "error read 0 "}
			if got := r.log.All(); !equalStrings(got, want) {
				t.Errorf("events = %q, want %q", got, want)
			}
		})
	}
}

// TestReadWriteEchoStream: a peer writes thousands of lines ahead of
// what it reads back, in small reads, so output may queue behind a full
// socket. Every line is echoed once, whole and in order, two records per
// input line.
func TestReadWriteEchoStream(t *testing.T) {
	const lines = 20000
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			server, client := tr.pair(t)
			deadline(client)
			r := newRig(t)
			r.rwServer(server, wheel.ReadWriteOptions{}, kernel.States{
				"got_input": func(e *kernel.Event) any {
					rw(e).Put(e.Args[0], "+")
					return nil
				},
			})
			go func() {
				w := bufio.NewWriter(client)
				for i := range lines {
					fmt.Fprintf(w, "line %d\n", i)
				}
				_ = w.Flush()
			}()
			// Reads of 16 bytes at most: a reader that lags.
			br := bufio.NewReaderSize(client, 16)
			for i := range lines {
				want := fmt.Sprintf("line %d\r\n+\r\n", i)
				got := make([]byte, len(want))
				if _, err := io.ReadFull(br, got); err != nil || string(got) != want {
					t.Fatalf("echo %d = %q, %v; want %q", i, got, err, want)
				}
			}
			client.Close()
			r.wait()
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReadWriteSetFilter switches filters from an input handler: the
// bytes after the switching line, already read in the same chunk, are
// parsed by the new filter.
func TestReadWriteSetFilter(t *testing.T) {
	block := filter.NewBlock()
	blocks, _ := block.Put([]any{"first block", "second\nblock"})
	for _, tc := range []struct {
		name  string
		next  func() filter.Filter
		after []byte
		want  []string
	}{
		{"stream", func() filter.Filter { return filter.NewStream() }, []byte("raw\nbytes\r\n"),
			[]string{"input hello", "input switch", `input "raw\nbytes\r\n"`}},
		{"block", func() filter.Filter { return filter.NewBlock() }, bytes.Join(blocks, nil),
			[]string{"input hello", "input switch", `input "first block"`, `input "second\nblock"`}},
	} {
		for _, tr := range transports {
			t.Run(tc.name+"/"+tr.name, func(t *testing.T) {
				server, client := tr.pair(t)
				deadline(client)
				r := newRig(t)
				r.rwServer(server, wheel.ReadWriteOptions{}, kernel.States{
					"got_input": func(e *kernel.Event) any {
						r.log.Add("input %s", show(e.Args[0]))
						if e.Args[0] == "switch" {
							rw(e).SetFilter(tc.next())
						}
						return nil
					},
				})
				msg := append([]byte("hello\nswitch\n"), tc.after...)
				go func() {
					_, _ = client.Write(msg)
					client.Close()
				}()
				r.wait()
				got := r.log.All()
				// A stream filter may see the raw bytes in more than one
				// record; join them for the comparison.
				if tc.name == "stream" {
					got = joinStream(got)
				}
				want := append(tc.want, "error read 0 ")
				if !equalStrings(got, want) {
					t.Errorf("events = %q, want %q", got, want)
				}
			})
		}
	}
}

// joinStream merges consecutive quoted byte records.
func joinStream(lines []string) []string {
	var out []string
	var acc string
	inBytes := false
	for _, l := range lines {
		if q, ok := strings.CutPrefix(l, "input \""); ok {
			var s string
			_, _ = fmt.Sscanf("\""+q, "%q", &s)
			acc += s
			inBytes = true
			continue
		}
		if inBytes {
			out = append(out, fmt.Sprintf("input %q", acc))
			acc, inBytes = "", false
		}
		out = append(out, l)
	}
	if inBytes {
		out = append(out, fmt.Sprintf("input %q", acc))
	}
	return out
}

// TestReadWriteSetFilterBetweenChunks switches filters from a handler that
// is not an input handler: the pending input is parsed in an event of its
// own.
func TestReadWriteSetFilterOutsideInput(t *testing.T) {
	server, client := tcpPair(t)
	deadline(client)
	r := newRig(t)
	r.rwServer(server, wheel.ReadWriteOptions{InputFilter: filter.NewLine(), OutputFilter: filter.NewStream()}, kernel.States{
		"got_input": func(e *kernel.Event) any {
			r.log.Add("input %s", show(e.Args[0]))
			if e.Args[0] == "pause" {
				rw(e).PauseInput()
				e.Kernel.Yield("switch")
			}
			return nil
		},
		"switch": func(e *kernel.Event) any {
			w := rw(e)
			w.SetInputFilter(filter.NewStream())
			w.ResumeInput()
			return nil
		},
	})
	go func() {
		_, _ = client.Write([]byte("a\npause\nrest"))
		client.Close()
	}()
	r.wait()
	want := []string{"input a", "input pause", `input "rest"`, "error read 0 "}
	if got := r.log.All(); !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestReadWriteOverlongLine(t *testing.T) {
	server, client := tcpPair(t)
	deadline(client)
	r := newRig(t)
	r.rwServer(server, wheel.ReadWriteOptions{Filter: filter.NewLine(filter.LineOptions{MaxLength: 16})},
		kernel.States{"got_input": func(e *kernel.Event) any { r.log.Add("input %s", show(e.Args[0])); return nil },
			"got_error": func(e *kernel.Event) any {
				r.log.Add("error %v %v", e.Args[0], e.Args[1])
				if e.Args[1] == 0 {
					e.Heap.Delete("wheel")
				}
				return nil
			}})
	go func() {
		_, _ = client.Write([]byte("short\n" + strings.Repeat("x", 100) + "\nafter\n"))
		client.Close()
	}()
	r.wait()
	want := []string{"input short", fmt.Sprintf("error read %d", int(syscall.EMSGSIZE)), "input after", "error read 0"}
	if got := r.log.All(); !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// TestReadWriteHalfClose: the peer shuts its write side; the wheel reports
// EOF, can still write, and ShutdownOutput gives the peer EOF after the
// last line. With nothing left to do the wheel lets the session end
// without Close, as POE's wheel with no selects keeps nothing alive.
func TestReadWriteHalfClose(t *testing.T) {
	for _, tr := range transports[1:] {
		t.Run(tr.name, func(t *testing.T) {
			server, client := tr.pair(t)
			deadline(client)
			r := newRig(t)
			var kept *wheel.ReadWrite
			r.rwServer(server, wheel.ReadWriteOptions{FlushedEvent: "flushed"}, kernel.States{
				"got_input": func(e *kernel.Event) any { r.log.Add("input %s", show(e.Args[0])); return nil },
				"got_error": func(e *kernel.Event) any {
					r.log.Add("error %v %v %q", e.Args[0], e.Args[1], e.Args[2])
					w := rw(e)
					kept = w
					w.Put("bye")
					w.ShutdownOutput()
					if w.Put("lost") {
						t.Errorf("Put after ShutdownOutput = true, want false")
					}
					return nil
				},
				"flushed": func(e *kernel.Event) any { r.log.Add("flushed"); return nil },
			})
			go func() {
				_, _ = client.Write([]byte("x\n"))
				_ = client.(interface{ CloseWrite() error }).CloseWrite()
			}()
			got, err := io.ReadAll(client)
			if err != nil || string(got) != "bye\r\n" {
				t.Errorf("peer read %q, %v; want %q then EOF", got, err, "bye\r\n")
			}
			r.wait()
			want := []string{"input x", `error read 0 ""`, "flushed"}
			if got := r.log.All(); !equalStrings(got, want) {
				t.Errorf("events = %q, want %q", got, want)
			}
			kept.Close() // after Run: releases the descriptor
			client.Close()
		})
	}
}

func TestReadWriteFlushedThenDelete(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			server, client := tr.pair(t)
			deadline(client)
			r := newRig(t)
			r.rwServer(server, wheel.ReadWriteOptions{FlushedEvent: "flushed"}, kernel.States{
				"got_input": func(e *kernel.Event) any {
					if e.Args[0] == "quit" {
						rw(e).Put("Goodbye.")
					}
					return nil
				},
				"flushed": func(e *kernel.Event) any {
					r.log.Add("flushed %d", rw(e).GetDriverOutOctets())
					e.Heap.Delete("wheel")
					return nil
				},
			})
			go func() { _, _ = client.Write([]byte("quit\n")) }()
			got, err := io.ReadAll(client)
			if err != nil || string(got) != "Goodbye.\r\n" {
				t.Errorf("peer read %q, %v; want %q then EOF", got, err, "Goodbye.\r\n")
			}
			r.wait()
			if got, want := r.log.All(), []string{"flushed 0"}; !equalStrings(got, want) {
				t.Errorf("events = %q, want %q", got, want)
			}
			client.Close()
		})
	}
}

// TestReadWritePauseResume pauses in an input handler: no record is
// dispatched and at most readAhead chunks are read until ResumeInput,
// then every line arrives in order.
func TestReadWritePauseResume(t *testing.T) {
	server, client := tcpPair(t)
	deadline(client)
	counted := &countConn{Conn: server}
	const lines = 20000
	r := newRig(t)
	seen := 0
	var atPause int64
	r.rwServer(counted, wheel.ReadWriteOptions{}, kernel.States{
		"got_input": func(e *kernel.Event) any {
			seen++
			if want := fmt.Sprint(seen); e.Args[0] != want {
				t.Errorf("line %d = %v, want %s", seen, e.Args[0], want)
			}
			if seen == 3 {
				rw(e).PauseInput()
				atPause = counted.n.Load()
				_ = e.Kernel.Delay("check", 100*time.Millisecond)
			}
			return nil
		},
		"check": func(e *kernel.Event) any {
			read := counted.n.Load() - atPause
			r.log.Add("paused seen=%d", seen)
			if read > 2*64<<10 {
				t.Errorf("read %d bytes while paused, want at most two chunks", read)
			}
			rw(e).ResumeInput()
			return nil
		},
		"got_error": func(e *kernel.Event) any {
			r.log.Add("error %v %v seen=%d", e.Args[0], e.Args[1], seen)
			e.Heap.Delete("wheel")
			return nil
		},
	})
	go func() {
		w := bufio.NewWriter(client)
		for i := 1; i <= lines; i++ {
			fmt.Fprintf(w, "%d\n", i)
		}
		_ = w.Flush()
		client.Close()
	}()
	r.wait()
	want := []string{"paused seen=3", fmt.Sprintf("error read 0 seen=%d", lines)}
	if got := r.log.All(); !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

type countConn struct {
	net.Conn
	n atomic.Int64
}

func (c *countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestReadWriteWatermarks streams to a peer that stops reading: Put
// reports the high mark, HighEvent comes once, the buffer stays within
// HighMark plus one record, and LowEvent resumes the stream once the peer
// reads again.
func TestReadWriteWatermarks(t *testing.T) {
	const (
		high  = 64 << 10
		low   = 8 << 10
		chunk = 4 << 10
		total = 4 << 20
	)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			server, client := tr.pair(t)
			deadline(client)
			// Small socket buffers, so the wheel's own buffer is what
			// fills when the peer stops reading.
			if tc, ok := server.(*net.TCPConn); ok {
				_ = tc.SetWriteBuffer(64 << 10)
				_ = client.(*net.TCPConn).SetReadBuffer(64 << 10)
			}
			r := newRig(t)
			sent, maxBuf, highs, lows := 0, 0, 0, 0
			payload := bytes.Repeat([]byte("z"), chunk)
			pump := func(e *kernel.Event) any {
				w := rw(e)
				for sent < total {
					sent += chunk
					full := w.Put(payload)
					maxBuf = max(maxBuf, w.GetDriverOutOctets())
					if full {
						return nil // wait for LowEvent
					}
				}
				w.ShutdownOutput()
				return nil
			}
			r.run(kernel.States{
				"_start": func(e *kernel.Event) any {
					w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
						Handle: server, Filter: filter.NewStream(), HighMark: high, LowMark: low,
						HighEvent: "high", LowEvent: "low", ErrorEvent: "got_error",
					})
					if err != nil {
						t.Errorf("NewReadWrite: %v", err)
						return nil
					}
					e.Heap["wheel"] = w
					e.Kernel.Yield("pump")
					return nil
				},
				"pump": pump,
				"high": func(e *kernel.Event) any {
					highs++
					if highs == 1 {
						r.log.Add("high %d", rw(e).GetDriverOutOctets())
					}
					return nil
				},
				"low": func(e *kernel.Event) any {
					lows++
					if n := rw(e).GetDriverOutOctets(); n > low {
						t.Errorf("LowEvent with %d bytes buffered, want <= %d", n, low)
					}
					return pump(e)
				},
				"got_error": func(e *kernel.Event) any {
					r.log.Add("error %v %v", e.Args[0], e.Args[1])
					e.Heap.Delete("wheel")
					return nil
				},
			})
			// The peer reads nothing until the wheel is above its high
			// mark; the buffer must then stop growing.
			r.log.WaitFor(t, "high ", 1)
			// ShutdownOutput then ends the stream; a pipe cannot
			// half-close, so its peer counts the bytes instead.
			got, err := io.CopyN(io.Discard, client, total)
			if err != nil || got != total {
				t.Errorf("peer read %d bytes, %v; want %d", got, err, total)
			}
			if tr.name != "pipe" {
				if n, err := client.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Errorf("peer read after the stream = %d, %v; want EOF", n, err)
				}
			}
			r.wait()
			client.Close()
			if maxBuf > high+chunk {
				t.Errorf("buffered up to %d bytes, want at most HighMark+chunk = %d", maxBuf, high+chunk)
			}
			if highs == 0 || lows == 0 || highs != lows && highs != lows+1 {
				t.Errorf("HighEvent %d times, LowEvent %d times; want them to alternate", highs, lows)
			}
		})
	}
}

// TestReadWriteWriteReset: the peer resets the connection while the wheel
// is writing: ErrorEvent("write", ECONNRESET or EPIPE), no panic.
func TestReadWriteWriteReset(t *testing.T) {
	server, client := tcpPair(t)
	deadline(client)
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
				Handle: server, Filter: filter.NewStream(), ErrorEvent: "got_error",
			})
			if err != nil {
				t.Fatalf("NewReadWrite: %v", err)
			}
			e.Heap["wheel"] = w
			big := bytes.Repeat([]byte("y"), 64<<10)
			for range 256 {
				w.Put(big)
			}
			return nil
		},
		"got_error": func(e *kernel.Event) any {
			r.log.Add("error %v %v", e.Args[0], e.Args[1])
			e.Heap.Delete("wheel")
			return nil
		},
	})
	buf := make([]byte, 1000)
	if _, err := io.ReadFull(client, buf); err != nil {
		t.Fatalf("peer read: %v", err)
	}
	_ = client.(*net.TCPConn).SetLinger(0)
	client.Close()
	r.wait()
	got := r.log.All()
	ok := len(got) == 1 && (got[0] == fmt.Sprintf("error write %d", int(syscall.ECONNRESET)) ||
		got[0] == fmt.Sprintf("error write %d", int(syscall.EPIPE)))
	if !ok {
		t.Errorf("events = %q, want one write error ECONNRESET or EPIPE", got)
	}
}

func TestReadWritePutError(t *testing.T) {
	server, client := net.Pipe()
	defer client.Close()
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{Handle: server, ErrorEvent: "got_error"})
			if err != nil {
				t.Fatalf("NewReadWrite: %v", err)
			}
			e.Heap["wheel"] = w
			if w.Put(42) {
				t.Errorf("Put(42) = true, want false")
			}
			return nil
		},
		"got_error": func(e *kernel.Event) any {
			r.log.Add("error %v %v", e.Args[0], e.Args[1])
			e.Heap.Delete("wheel")
			return nil
		},
	})
	r.wait()
	if got, want := r.log.All(), []string{fmt.Sprintf("error write %d", int(syscall.EINVAL))}; !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// TestReadWriteSessionStop: Kernel.Stop closes the session's wheels; the
// peer sees EOF and no goroutine is left.
func TestReadWriteSessionStop(t *testing.T) {
	server, client := tcpPair(t)
	deadline(client)
	r := newRig(t)
	r.rwServer(server, wheel.ReadWriteOptions{}, kernel.States{
		"got_input": func(e *kernel.Event) any {
			r.log.Add("input %s", show(e.Args[0]))
			e.Kernel.Stop()
			return nil
		},
	})
	if _, err := client.Write([]byte("stop\n")); err != nil {
		t.Fatal(err)
	}
	n, err := client.Read(make([]byte, 1))
	if n != 0 || err != io.EOF {
		t.Errorf("peer read = %d, %v; want EOF", n, err)
	}
	r.wait()
	client.Close()
}

// TestReadWriteHeapDelete: deleting the wheel from the heap closes it, and
// the session, with nothing else, ends.
func TestReadWriteHeapDelete(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			server, client := tr.pair(t)
			deadline(client)
			r := newRig(t)
			r.rwServer(server, wheel.ReadWriteOptions{}, kernel.States{
				"got_input": func(e *kernel.Event) any {
					r.log.Add("input %s", show(e.Args[0]))
					e.Heap.Delete("wheel")
					return nil
				},
				"_stop": func(e *kernel.Event) any { r.log.Add("stop"); return nil },
			})
			// Two lines in one write: the second is never dispatched,
			// the wheel being closed by the first.
			if _, err := client.Write([]byte("quit\nignored\n")); err != nil {
				t.Fatal(err)
			}
			if n, err := client.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Errorf("peer read = %d, %v; want EOF", n, err)
			}
			r.wait()
			if got, want := r.log.All(), []string{"input quit", "stop"}; !equalStrings(got, want) {
				t.Errorf("events = %q, want %q", got, want)
			}
			client.Close()
		})
	}
}

// sayer is a Line filter that speaks first and acknowledges each line
// through filter.Sender, and counts its Close calls.
type sayer struct {
	*filter.Line
	out    [][]byte
	closed int
}

func newSayer() *sayer {
	return &sayer{Line: filter.NewLine(), out: [][]byte{[]byte("HELLO\r\n")}}
}

func (s *sayer) GetOne() ([]any, error) {
	recs, err := s.Line.GetOne()
	if len(recs) > 0 {
		s.out = append(s.out, []byte("ack\r\n"))
	}
	return recs, err
}

func (s *sayer) TakeOutput() [][]byte {
	out := s.out
	s.out = nil
	return out
}

func (s *sayer) Close() error { s.closed++; return nil }

// echoThrough runs an echo over filter f: the peer writes input, the
// wheel puts back each record it gets, and closes once n records have been
// echoed and flushed. It returns what the peer read.
func echoThrough(t *testing.T, f filter.Filter, input string, n int) string {
	t.Helper()
	server, client := tcpPair(t)
	defer client.Close()
	deadline(client)
	r := newRig(t)
	echoed := 0
	r.rwServer(server, wheel.ReadWriteOptions{Filter: f, FlushedEvent: "flushed"}, kernel.States{
		"got_input": func(e *kernel.Event) any {
			rw(e).Put(e.Args[0])
			echoed++
			return nil
		},
		"flushed": func(e *kernel.Event) any {
			if echoed == n {
				e.Heap.Delete("wheel")
			}
			return nil
		},
	})
	go func() { _, _ = client.Write([]byte(input)) }()
	got, err := io.ReadAll(client)
	if err != nil {
		t.Errorf("peer read %q, %v", got, err)
	}
	r.wait()
	return string(got)
}

func TestReadWriteSenderAndCloser(t *testing.T) {
	f := newSayer()
	got := echoThrough(t, f, "one\ntwo\n", 2)
	if want := "HELLO\r\nack\r\none\r\nack\r\ntwo\r\n"; got != want {
		t.Errorf("peer read %q, want %q", got, want)
	}
	if f.closed != 1 {
		t.Errorf("filter closed %d times, want 1", f.closed)
	}
}

// shouter is a Line filter that overrides both halves, as a port of a POE
// filter subclass would: it reads lines reversed and writes them in upper
// case.
type shouter struct{ *filter.Line }

func (s shouter) GetOne() ([]any, error) {
	recs, err := s.Line.GetOne()
	for i, r := range recs {
		b := []byte(r.(string))
		slices.Reverse(b)
		recs[i] = string(b)
	}
	return recs, err
}

func (s shouter) Put(records []any) ([][]byte, error) {
	up := make([]any, len(records))
	for i, r := range records {
		up[i] = strings.ToUpper(r.(string))
	}
	return s.Line.Put(up)
}

// TestReadWriteEmbeddedFilter checks that the wheel calls the GetOne and
// Put a filter declares, not the faster ones of a Line it embeds.
func TestReadWriteEmbeddedFilter(t *testing.T) {
	if got, want := echoThrough(t, shouter{filter.NewLine()}, "one\ntwo\n", 2), "ENO\r\nOWT\r\n"; got != want {
		t.Errorf("peer read %q, want %q", got, want)
	}
}

// ponger is a Line filter that answers every line with the same record,
// from one slice it keeps: the wheel must leave that slice alone.
type ponger struct {
	*filter.Line
	pong []any
}

func (p ponger) GetOne() ([]any, error) {
	recs, err := p.Line.GetOne()
	if len(recs) > 0 {
		return p.pong, err
	}
	return recs, err
}

func TestReadWriteFilterKeepsItsSlice(t *testing.T) {
	f := ponger{filter.NewLine(), []any{"PONG"}}
	if got, want := echoThrough(t, f, "a\nb\nc\n", 3), "PONG\r\nPONG\r\nPONG\r\n"; got != want {
		t.Errorf("peer read %q, want %q", got, want)
	}
	if f.pong[0] != "PONG" {
		t.Errorf("the filter's slice holds %v after the wheel used it, want PONG", f.pong[0])
	}
}

func TestReadWriteOptionErrors(t *testing.T) {
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	for _, tc := range []struct {
		name string
		opts wheel.ReadWriteOptions
		want error
	}{
		{"no handle", wheel.ReadWriteOptions{}, wheel.ErrHandle},
		{"input only", wheel.ReadWriteOptions{InputHandle: c1}, wheel.ErrHandle},
		{"handle and input", wheel.ReadWriteOptions{Handle: c1, InputHandle: c1}, wheel.ErrHandle},
		{"filter and input filter", wheel.ReadWriteOptions{Handle: c1, Filter: filter.NewLine(), InputFilter: filter.NewLine()}, wheel.ErrOption},
		{"high without low", wheel.ReadWriteOptions{Handle: c1, HighMark: 10}, wheel.ErrMarks},
		{"low above high", wheel.ReadWriteOptions{Handle: c1, HighMark: 10, LowMark: 20, LowEvent: "l"}, wheel.ErrMarks},
		{"low without event", wheel.ReadWriteOptions{Handle: c1, HighMark: 10, LowMark: 5}, wheel.ErrMarks},
		{"high event without mark", wheel.ReadWriteOptions{Handle: c1, HighEvent: "h"}, wheel.ErrMarks},
		{"negative", wheel.ReadWriteOptions{Handle: c1, HighMark: -1, LowMark: -2}, wheel.ErrMarks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t).run(kernel.States{"_start": func(e *kernel.Event) any {
				_, err := wheel.NewReadWrite(e.Kernel, tc.opts)
				if !errors.Is(err, tc.want) {
					t.Errorf("NewReadWrite(%+v) error = %v, want %v", tc.opts, err, tc.want)
				}
				return nil
			}})
			r.wait()
		})
	}
	// Outside a handler there is no session to own the wheel.
	if _, err := wheel.NewReadWrite(kernel.New(), wheel.ReadWriteOptions{Handle: c1}); !errors.Is(err, wheel.ErrNoSession) {
		t.Errorf("NewReadWrite outside a handler: error = %v, want ErrNoSession", err)
	}
}

// TestReadWriteSeparateHandles reads one pipe and writes another, as a
// console wheel on standard input and output: ShutdownOutput closes the
// output pipe, so its reader gets EOF.
func TestReadWriteSeparateHandles(t *testing.T) {
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inW.Close()
	defer outR.Close()
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
				InputHandle: inR, OutputHandle: outW, InputEvent: "in", ErrorEvent: "err",
			})
			if err != nil {
				t.Fatalf("NewReadWrite: %v", err)
			}
			e.Heap["wheel"] = w
			if w.GetInputHandle() != inR || w.GetOutputHandle() != outW {
				t.Errorf("GetInputHandle, GetOutputHandle do not return the handles given")
			}
			return nil
		},
		"in": func(e *kernel.Event) any {
			w := rw(e)
			w.Put("> " + e.Args[0].(string))
			if e.Args[0] == "bye" {
				w.ShutdownOutput()
			}
			return nil
		},
		"err": func(e *kernel.Event) any {
			r.log.Add("error %v %v", e.Args[0], e.Args[1])
			e.Heap.Delete("wheel")
			return nil
		},
	})
	if _, err := inW.Write([]byte("hi\nbye\n")); err != nil {
		t.Fatal(err)
	}
	_ = outR.SetReadDeadline(time.Now().Add(patience))
	got, err := io.ReadAll(outR)
	if err != nil || string(got) != "> hi\r\n> bye\r\n" {
		t.Errorf("output %q, %v; want both lines then EOF", got, err)
	}
	inW.Close()
	r.wait()
	if got, want := r.log.All(), []string{"error read 0"}; !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

// TestReadWriteShutdownInput: after ShutdownInput no record and no EOF is
// reported, writing goes on, and once output is shut down too the wheel
// lets the session end.
func TestReadWriteShutdownInput(t *testing.T) {
	server, client := tcpPair(t)
	deadline(client)
	r := newRig(t)
	r.rwServer(server, wheel.ReadWriteOptions{}, kernel.States{
		"got_input": func(e *kernel.Event) any {
			r.log.Add("input %v", e.Args[0])
			w := rw(e)
			w.ShutdownInput()
			w.Put("no more input")
			w.ShutdownOutput()
			return nil
		},
	})
	if _, err := client.Write([]byte("first\nsecond\n")); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(client)
	if err != nil || string(got) != "no more input\r\n" {
		t.Errorf("peer read %q, %v; want one line then EOF", got, err)
	}
	r.wait()
	if got, want := r.log.All(), []string{"input first"}; !equalStrings(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
	client.Close()
	server.Close()
}

// TestReadWriteHandlerPanics: a panic in an input handler is the
// session's DIE; unhandled, it stops the session, whose stop closes the
// wheel.
func TestReadWriteHandlerPanics(t *testing.T) {
	server, client := tcpPair(t)
	deadline(client)
	r := newRig(t)
	r.rwServer(server, wheel.ReadWriteOptions{}, kernel.States{
		"got_input": func(e *kernel.Event) any { panic("boom") },
	})
	if _, err := client.Write([]byte("x\ny\n")); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("peer read = %d, %v; want EOF", n, err)
	}
	select {
	case err := <-r.done:
		var x *kernel.Exception
		if !errors.As(err, &x) || x.Err.Error() != "boom" {
			t.Errorf("Run = %v, want the DIE of boom", err)
		}
	case <-time.After(patience):
		t.Fatal("the kernel did not stop")
	}
	client.Close()
}

type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

// TestReadWriteNoProgress: a reader that returns nothing forever is an
// error, not a spinning goroutine.
func TestReadWriteNoProgress(t *testing.T) {
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
				InputHandle: stuckReader{}, OutputHandle: io.Discard, InputEvent: "in", ErrorEvent: "err",
			})
			if err != nil {
				t.Fatalf("NewReadWrite: %v", err)
			}
			e.Heap["wheel"] = w
			return nil
		},
		"err": func(e *kernel.Event) any {
			r.log.Add("error %v %v %v", e.Args[0], e.Args[1], e.Args[2])
			e.Heap.Delete("wheel")
			return nil
		},
	})
	r.wait()
	want := fmt.Sprintf("error read %d %s", int(syscall.EIO), io.ErrNoProgress)
	if got := r.log.All(); len(got) != 1 || got[0] != want {
		t.Errorf("events = %q, want [%q]", got, want)
	}
}

// stuckFilter fails every GetOne with one error value, as an SSL filter
// does after a failed handshake.
type stuckFilter struct{ filter.Stream }

var errStuck = errors.New("stuck for good")

func (f *stuckFilter) GetOne() ([]any, error) { return nil, errStuck }
func (f *stuckFilter) Clone() filter.Filter   { return &stuckFilter{} }

func TestStuckFilterErrorReportedOnce(t *testing.T) {
	k := kernel.New()
	a, b := net.Pipe()
	defer b.Close()
	var errorsSeen []any
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
				Handle: a, Filter: &stuckFilter{}, InputEvent: "in", ErrorEvent: "err",
			})
			if err != nil {
				t.Error(err)
				return nil
			}
			e.Heap["w"] = w
			go b.Write([]byte("anything"))
			return nil
		},
		"err": func(e *kernel.Event) any {
			// Only record: the wheel must stop by itself.
			errorsSeen = append(errorsSeen, e.Args[2])
			if len(errorsSeen) == 1 {
				// Repeats would come at once, in the same drain.
				e.Kernel.Delay("end", 100*time.Millisecond)
			}
			return nil
		},
		"end": func(e *kernel.Event) any { e.Heap.Delete("w"); return nil },
	}})
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		k.Outside().Stop()
		<-done
		t.Fatal("the session did not end")
	}
	if len(errorsSeen) != 1 {
		t.Errorf("a stuck filter's error was reported %d times (%v), want once", len(errorsSeen), errorsSeen)
	}
}

// TestReadWriteSetOutputFilter changes the output filter between two
// Puts, between filters that do and do not encode in place (with AppendPut):
// each record is encoded by the filter set when it was put.
func TestReadWriteSetOutputFilter(t *testing.T) {
	line := func() filter.Filter { return filter.NewLine() }
	block := func() filter.Filter { return filter.NewBlock() }
	stream := func() filter.Filter { return filter.NewStream() }
	for _, tc := range []struct {
		name        string
		first, next func() filter.Filter
	}{
		{"line to block", line, block},
		{"block to line", block, line},
		{"line to stream", line, stream},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []byte
			for _, c := range []struct {
				f   filter.Filter
				rec string
			}{{tc.first(), "one"}, {tc.next(), "two"}} {
				chunks, err := c.f.Put([]any{c.rec})
				if err != nil {
					t.Fatalf("Put(%q): %v", c.rec, err)
				}
				want = append(want, bytes.Join(chunks, nil)...)
			}
			server, client := tcpPair(t)
			deadline(client)
			r := newRig(t)
			r.rwServer(server, wheel.ReadWriteOptions{InputFilter: filter.NewLine(), OutputFilter: tc.first()}, kernel.States{
				"got_input": func(e *kernel.Event) any {
					w := rw(e)
					w.Put("one")
					w.SetOutputFilter(tc.next())
					w.Put("two")
					w.ShutdownOutput()
					return nil
				},
			})
			if _, err := io.WriteString(client, "go\n"); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(client)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("output = %q, %v; want %q", got, err, want)
			}
			client.Close()
			r.wait()
		})
	}
}

// TestReadWriteMixedPuts: records a handler puts go out in order through
// the filters set when each was put; each counts as a message until
// written, and a record the filter refuses leaves the others as they were.
func TestReadWriteMixedPuts(t *testing.T) {
	block := filter.NewBlock()
	blocked, err := block.Put([]any{"d"})
	if err != nil {
		t.Fatal(err)
	}
	want := "a\r\nb\r\nc\r\n" + string(bytes.Join(blocked, nil)) + "e\r\n"
	server, client := tcpPair(t)
	deadline(client)
	r := newRig(t)
	var msgs []int
	var refused bool
	var putErr string
	r.rwServer(server, wheel.ReadWriteOptions{InputFilter: filter.NewLine(), OutputFilter: filter.NewLine()}, kernel.States{
		"got_input": func(e *kernel.Event) any {
			w := rw(e)
			w.Put("a")
			w.Put("b", "c")
			msgs = append(msgs, w.GetDriverOutMessages())
			w.SetOutputFilter(filter.NewBlock())
			w.Put("d")
			w.SetOutputFilter(filter.NewLine())
			refused = !w.Put("x", 42)
			w.Put("e")
			msgs = append(msgs, w.GetDriverOutMessages())
			w.ShutdownOutput()
			return nil
		},
		// The refused record's error comes after the delivery, while
		// the writer may still be writing: the wheel stays until the
		// peer's EOF.
		"got_error": func(e *kernel.Event) any {
			if e.Args[0] == "write" {
				putErr = fmt.Sprint(e.Args[2])
				return nil
			}
			e.Heap.Delete("wheel")
			return nil
		},
	})
	if _, err := io.WriteString(client, "go\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(client)
	if err != nil || string(got) != want {
		t.Errorf("output = %q, %v; want %q", got, err, want)
	}
	client.Close()
	r.wait()
	if len(msgs) != 2 || msgs[0] != 3 || msgs[1] != 5 {
		t.Errorf("GetDriverOutMessages() during the delivery = %v, want [3 5]", msgs)
	}
	if !refused {
		t.Error("Put of a record Line cannot encode returned true")
	}
	if !strings.Contains(putErr, "int") {
		t.Errorf("the refused record's write error = %q, want one naming its type", putErr)
	}
}
