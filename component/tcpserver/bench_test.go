package tcpserver_test

import (
	"bufio"
	"github.com/seed02617006/poe/internal/gosrv"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/kernel"
)

// benchServer is a server under benchmark: its address and how to stop
// it once its clients have gone.
type benchServer struct {
	addr string
	stop func()
}

// poeEcho runs a tcpserver line echo server on its own kernel.
func poeEcho(b *testing.B, opts tcpserver.Options) benchServer {
	k := kernel.New()
	opts.Kernel = k
	srv, err := tcpserver.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	return benchServer{
		addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.Port())),
		stop: func() {
			srv.Shutdown()
			select {
			case err := <-done:
				if err != nil {
					b.Fatal(err)
				}
			case <-time.After(patience):
				k.Outside().Stop()
				<-done
				b.Fatal("the POE server did not stop")
			}
		},
	}
}

// plainServer is the baseline: a goroutine per connection, in plain Go,
// doing what the POE server does per connection.
func plainServer(b *testing.B, serve func(net.Conn)) benchServer {
	srv := gosrv.Serve(b, serve)
	return benchServer{addr: srv.Addr().String(), stop: srv.Close}
}

func plainEcho(c net.Conn) {
	rd := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	for {
		line, err := rd.ReadSlice('\n')
		if err != nil {
			return
		}
		n := len(line) - 1
		if n > 0 && line[n-1] == '\r' {
			n--
		}
		w.Write(line[:n])
		w.WriteString("\r\n")
		if rd.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

// echoLines has clients request-reply lines over their own connections
// until total lines have been echoed, and returns how long it took.
func echoLines(b *testing.B, addr string, clients, total int) time.Duration {
	conns := make([]net.Conn, clients)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = c
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	began := time.Now()
	for i, c := range conns {
		n := total / clients
		if i < total%clients {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rd := bufio.NewReader(c)
			msg := []byte("the quick brown fox jumps over the lazy dog\n")
			for range n {
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				if _, err := rd.ReadSlice('\n'); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	for _, c := range conns {
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	return elapsed
}

// BenchmarkLineEcho50 measures a tcpserver line echo server under 50
// concurrent request-reply clients, and a goroutine-per-connection Go
// server doing the same in the same run: lines/s of each and their ratio.
func BenchmarkLineEcho50(b *testing.B) {
	const clients = 50
	b.ReportAllocs()
	poe := poeEcho(b, tcpserver.Options{
		ClientInput:           func(e *kernel.Event) any { put(e, e.Args[0]); return nil },
		ClientShutdownOnError: new(true),
		ClientError:           func(*kernel.Event) any { return nil },
	})
	plain := plainServer(b, plainEcho)
	b.ResetTimer()
	poeTime := echoLines(b, poe.addr, clients, b.N)
	b.StopTimer()
	plainTime := echoLines(b, plain.addr, clients, b.N)
	poe.stop()
	plain.stop()
	poeRate := float64(b.N) / poeTime.Seconds()
	plainRate := float64(b.N) / plainTime.Seconds()
	b.ReportMetric(poeRate, "lines/s")
	b.ReportMetric(plainRate, "go-lines/s")
	b.ReportMetric(poeRate/plainRate, "ratio")
}

// acceptLoop has workers each open connections one after another, read
// the one-line banner and reset the connection, until total connections
// have been served.
func acceptLoop(b *testing.B, addr string, workers, total int) time.Duration {
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	began := time.Now()
	for i := range workers {
		n := total / workers
		if i < total%workers {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 16)
			for range n {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					errs <- err
					return
				}
				c.(*net.TCPConn).SetLinger(0) // no TIME_WAIT pile-up
				if _, err := io.ReadAtLeast(c, buf, 4); err != nil {
					c.Close()
					errs <- err
					return
				}
				c.Close()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	return elapsed
}

// BenchmarkAccept measures connections accepted per second: each
// connection gets a session, a banner and a shutdown. The plain Go
// server writes the banner from a goroutine per connection.
func BenchmarkAccept(b *testing.B) {
	const workers = 8
	b.ReportAllocs()
	poe := poeEcho(b, tcpserver.Options{
		ClientConnected: func(e *kernel.Event) any {
			put(e, "hi!")
			e.Kernel.Yield("shutdown")
			return nil
		},
		ClientInput: func(*kernel.Event) any { return nil },
		ClientError: func(*kernel.Event) any { return nil },
	})
	plain := plainServer(b, func(c net.Conn) { io.WriteString(c, "hi!\r\n") })
	b.ResetTimer()
	poeTime := acceptLoop(b, poe.addr, workers, b.N)
	b.StopTimer()
	plainTime := acceptLoop(b, plain.addr, workers, b.N)
	poe.stop()
	plain.stop()
	poeRate := float64(b.N) / poeTime.Seconds()
	plainRate := float64(b.N) / plainTime.Seconds()
	b.ReportMetric(poeRate, "conns/s")
	b.ReportMetric(plainRate, "go-conns/s")
	b.ReportMetric(poeRate/plainRate, "ratio")
}
