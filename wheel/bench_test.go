package wheel_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// The end-to-end benchmarks run the same clients against a POE server
// (one session: SocketFactory, a ReadWrite per connection) and against
// a plain Go server with a goroutine per connection, in the same run, and
// report both rates and their ratio (poe/go).

const benchClients = 50

// lineClients sends n lines in all over benchClients connections, each
// client writing and reading at once (pipelined), and returns the time.
func lineClients(b *testing.B, addr string, n int) time.Duration {
	b.Helper()
	per := (n + benchClients - 1) / benchClients
	conns := make([]net.Conn, benchClients)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		deadline(c)
		conns[i] = c
	}
	line := []byte("the quick brown fox jumps over the lazy dog\n")
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range conns {
		wg.Add(2)
		go func() {
			defer wg.Done()
			w := bufio.NewWriter(c)
			for range per {
				_, _ = w.Write(line)
			}
			_ = w.Flush()
		}()
		go func() {
			defer wg.Done()
			r := bufio.NewReader(c)
			for range per {
				if _, err := r.ReadSlice('\n'); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	for _, c := range conns {
		c.Close()
	}
	return d
}

// goLineServer is the baseline: a goroutine per connection, buffered,
// flushing when no more input is buffered.
func goLineServer(b *testing.B) (addr string, stop func()) {
	return goServer(b, func(c net.Conn) {
		r := bufio.NewReader(c)
		w := bufio.NewWriter(c)
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			_, _ = w.Write(bytes.TrimRight(line, "\r\n"))
			_, _ = w.WriteString("\r\n")
			if r.Buffered() == 0 {
				if w.Flush() != nil {
					return
				}
			}
		}
	})
}

func goServer(b *testing.B, serve func(net.Conn)) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(c)
				c.Close()
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			}()
		}
	}()
	return ln.Addr().String(), func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}
}

// poeServer runs an echo server session with the given per-connection
// ReadWrite options and returns its address.
func poeServer(b *testing.B, rwOpts wheel.ReadWriteOptions, filt func() filter.Filter) (*rig, string) {
	r := newRig(b)
	addr := make(chan string, 1)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			_ = e.Kernel.AliasSet("server")
			f, err := wheel.NewSocketFactory(e.Kernel, wheel.SocketFactoryOptions{SuccessEvent: "accepted", FailureEvent: "failed"})
			if err != nil {
				b.Fatal(err)
			}
			e.Heap["listener"] = f
			e.Heap["clients"] = map[int]*wheel.ReadWrite{}
			a, p := f.Getsockname()
			addr <- net.JoinHostPort(a, strconv.Itoa(p))
			return nil
		},
		"accepted": func(e *kernel.Event) any {
			o := rwOpts
			o.Handle, o.InputEvent, o.ErrorEvent = e.Args[0].(net.Conn), "input", "error"
			if filt != nil {
				o.Filter = filt()
			}
			w, err := wheel.NewReadWrite(e.Kernel, o)
			if err != nil {
				b.Error(err)
				return nil
			}
			e.Heap["clients"].(map[int]*wheel.ReadWrite)[w.ID()] = w
			return nil
		},
		"failed": func(e *kernel.Event) any { b.Errorf("failed: %v", e.Args); return nil },
		"input": func(e *kernel.Event) any {
			e.Heap["clients"].(map[int]*wheel.ReadWrite)[e.Args[1].(int)].Put(e.Args[0])
			return nil
		},
		"error": func(e *kernel.Event) any {
			clients := e.Heap["clients"].(map[int]*wheel.ReadWrite)
			clients[e.Args[3].(int)].Close()
			delete(clients, e.Args[3].(int))
			return nil
		},
		"shutdown": func(e *kernel.Event) any {
			e.Heap.Delete("listener")
			for id, w := range e.Heap["clients"].(map[int]*wheel.ReadWrite) {
				w.Close()
				delete(e.Heap["clients"].(map[int]*wheel.ReadWrite), id)
			}
			_ = e.Kernel.AliasRemove("server")
			return nil
		},
	})
	return r, <-addr
}

func (r *rig) shutdown() {
	_ = r.k.Outside().Post("server", "shutdown")
	r.wait()
}

// BenchmarkReadWriteEchoLines: lines echoed per second by a Line-filter
// ReadWrite server with 50 pipelined clients.
func BenchmarkReadWriteEchoLines(b *testing.B) {
	b.ReportAllocs()
	r, addr := poeServer(b, wheel.ReadWriteOptions{}, nil)
	b.ResetTimer()
	poe := lineClients(b, addr, b.N)
	b.StopTimer()
	r.shutdown()

	gaddr, stop := goLineServer(b)
	baseline := lineClients(b, gaddr, b.N)
	stop()
	n := float64(((b.N + benchClients - 1) / benchClients) * benchClients)
	b.ReportMetric(n/poe.Seconds(), "lines/s")
	b.ReportMetric(n/baseline.Seconds(), "go-lines/s")
	b.ReportMetric(baseline.Seconds()/poe.Seconds(), "ratio")
}

// streamClient pushes n chunks through one connection and reads them
// back.
func streamClient(b *testing.B, addr string, chunk []byte, n int) time.Duration {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	deadline(c)
	start := time.Now()
	go func() {
		for range n {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	if got, err := io.CopyN(io.Discard, c, int64(n*len(chunk))); err != nil {
		b.Fatalf("read %d of %d bytes: %v", got, n*len(chunk), err)
	}
	return time.Since(start)
}

// BenchmarkStreamEcho: bytes per second through a Stream-filter
// ReadWrite echo, against io.Copy.
func BenchmarkStreamEcho(b *testing.B) {
	b.ReportAllocs()
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4<<10) // 64 KiB
	b.SetBytes(int64(len(chunk)))
	r, addr := poeServer(b, wheel.ReadWriteOptions{}, func() filter.Filter { return filter.NewStream() })
	b.ResetTimer()
	poe := streamClient(b, addr, chunk, b.N)
	b.StopTimer()
	r.shutdown()

	gaddr, stop := goServer(b, func(c net.Conn) { _, _ = io.Copy(c, c) })
	baseline := streamClient(b, gaddr, chunk, b.N)
	stop()
	mb := float64(b.N*len(chunk)) / 1e6
	b.ReportMetric(mb/poe.Seconds(), "MB/s")
	b.ReportMetric(mb/baseline.Seconds(), "go-MB/s")
	b.ReportMetric(baseline.Seconds()/poe.Seconds(), "ratio")
}

// connClients makes n connections in all, 16 at a time; each waits for
// the server to close it, then resets (SetLinger(0)) so no TIME_WAIT
// piles up.
func connClients(b *testing.B, addr string, n int) time.Duration {
	const par = 16
	var wg sync.WaitGroup
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	start := time.Now()
	for range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1)
			for range next {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					b.Error(err)
					return
				}
				deadline(c)
				_, _ = c.Read(buf)
				_ = c.(*net.TCPConn).SetLinger(0)
				c.Close()
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkSocketFactoryAccept: connections accepted (and closed) per
// second, against a plain accept loop.
func BenchmarkSocketFactoryAccept(b *testing.B) {
	b.ReportAllocs()
	r := newRig(b)
	addr := make(chan string, 1)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			_ = e.Kernel.AliasSet("server")
			f, err := wheel.NewSocketFactory(e.Kernel, wheel.SocketFactoryOptions{SuccessEvent: "accepted", FailureEvent: "failed", Reuse: true})
			if err != nil {
				b.Fatal(err)
			}
			e.Heap["listener"] = f
			a, p := f.Getsockname()
			addr <- net.JoinHostPort(a, strconv.Itoa(p))
			return nil
		},
		"accepted": func(e *kernel.Event) any { e.Args[0].(net.Conn).Close(); return nil },
		"failed":   func(e *kernel.Event) any { b.Errorf("failed: %v", e.Args); return nil },
		"shutdown": func(e *kernel.Event) any {
			e.Heap.Delete("listener")
			_ = e.Kernel.AliasRemove("server")
			return nil
		},
	})
	a := <-addr
	b.ResetTimer()
	poe := connClients(b, a, b.N)
	b.StopTimer()
	r.shutdown()

	gaddr, stop := goServer(b, func(net.Conn) {})
	baseline := connClients(b, gaddr, b.N)
	stop()
	b.ReportMetric(float64(b.N)/poe.Seconds(), "conns/s")
	b.ReportMetric(float64(b.N)/baseline.Seconds(), "go-conns/s")
	b.ReportMetric(baseline.Seconds()/poe.Seconds(), "ratio")
}
