// Command tcpecho is bench/run.sh's TCP line echo comparison: two echo
// servers and the load client that measures them and Perl's
// POE::Component::Server::TCP (bench/perl/tcp_echo_server.pl) alike.
//
//	tcpecho -mode server-poe -addr 127.0.0.1:7000   # component/tcpserver
//	POE_KERNEL=parallel tcpecho -mode server-poe ... # the same, Parallel kernel
//	tcpecho -mode server-wheel -filter stream ...    # no component; a read is one record
//	tcpecho -mode server-go -addr 127.0.0.1:7001    # goroutine per connection
//	tcpecho -mode server-hub -addr 127.0.0.1:7002   # readers and one handler goroutine
//	tcpecho -mode server-hubs -addr 127.0.0.1:7003  # readers and a handler goroutine per core
//	tcpecho -mode client -addr 127.0.0.1:7000 -clients 50 -secs 3 -window 4
//	  rate=123456.7 lines=370370 secs=3.000 clients=50 window=4
//	tcpecho -mode freeport                          # prints a free port
//
// The client waits for the server to listen and opens its connections;
// then each connection writes window lines in one write and reads their
// echoes back, over and over, until secs have passed. It
// checks every echo and reports the lines echoed per second over all
// connections. Its connections are reset at the end (SO_LINGER 0), so
// that repeated runs leave no TIME_WAIT behind.
//
// server-poe and server-wheel pin no kernel mode: like every kernel.New,
// they follow the environment variable POE_KERNEL (kernel.ModeEnv), POE's
// order unless it is "parallel". bench/run.sh measures server-poe both
// ways, unsetting POE_KERNEL for the POE-order row.
//
// Servers bind only to loopback addresses and exit by themselves after
// -life seconds, so that a server the script failed to kill goes away.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed02617006/poe/bench/internal/loadkit"
	"github.com/seed02617006/poe/internal/gosrv"
	"github.com/seed02617006/poe/kernel"
)

func main() {
	mode := flag.String("mode", "", "server-poe, server-wheel, server-go, server-hub, server-hubs, client or freeport")
	filterName := flag.String("filter", "line", "server-wheel: the filter, line or stream")
	addr := flag.String("addr", "", "host:port on the loopback interface")
	clients := flag.Int("clients", 50, "client: concurrent connections")
	secs := flag.Float64("secs", 3, "client: seconds to send lines for")
	window := flag.Int("window", 4, "client: lines written at once per connection before reading their echoes")
	life := flag.Float64("life", 300, "server: exit after this many seconds")
	cpuprofile := flag.String("cpuprofile", "", "server: write a CPU profile of the server's life to this file")
	flag.Parse()
	loadkit.Run("tcpecho", *cpuprofile, func() error {
		switch *mode {
		case "server-poe", "server-wheel", "server-go", "server-hub", "server-hubs":
			return serve(*mode, *filterName, *addr, time.Duration(*life*float64(time.Second)))
		case "client":
			return client(*addr, *clients, *window, time.Duration(*secs*float64(time.Second)))
		case "freeport":
			return loadkit.PrintFreePort()
		}
		return fmt.Errorf("unknown -mode %q (want server-poe, server-wheel, server-go, server-hub, server-hubs, client or freeport)", *mode)
	})
}

// serve runs one echo server until SIGINT, SIGTERM or the end of its life.
func serve(mode, filterName, addr string, life time.Duration) error {
	ap, err := loadkit.Loopback("addr", addr)
	if err != nil {
		return err
	}
	switch mode {
	case "server-poe":
		err = loadkit.EchoServer("tcpecho", kernel.New(), ap, nil)
	case "server-wheel":
		err = wheelServer(ap, filterName)
	case "server-hub":
		err = hubServer(ap, 1)
	case "server-hubs":
		err = hubServer(ap, runtime.GOMAXPROCS(0))
	default:
		err = goServer(ap)
	}
	if err != nil {
		return err
	}
	loadkit.Hold("tcpecho", mode, life)
	return nil
}

// goServer starts the baseline: a goroutine per connection reading lines
// and writing them back, flushing when no more input is buffered.
func goServer(ap netip.AddrPort) error {
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(ap))
	if err != nil {
		return err
	}
	gosrv.New(ln, plainEcho)
	return nil
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

// hubServer is the floor for any server that runs its handlers one at a
// time, as POE's kernel does, in plain Go with nothing of ours: a reader
// goroutine per connection hands each read to one goroutine, which splits
// the lines, builds the replies and writes them, once per read. It is what
// the POE-order kernel does for a line echo, less the kernel, the wheel
// and the filter. With hubs > 1 the connections are dealt round the hubs,
// as Parallel mode deals sessions to its workers.
func hubServer(ap netip.AddrPort, hubs int) error {
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(ap))
	if err != nil {
		return err
	}
	type conn struct {
		c       net.Conn
		partial []byte // an unfinished line, kept by the hub
		out     []byte
	}
	type read struct {
		k    *conn
		data []byte
		buf  *[]byte // returned to the pool by the hub
	}
	pool := sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}
	hub := func(reads chan read) {
		for r := range reads {
			k := r.k
			data := r.data
			if len(k.partial) > 0 {
				data = append(k.partial, data...)
				k.partial = k.partial[:0]
			}
			k.out = k.out[:0]
			for {
				i := bytes.IndexByte(data, '\n')
				if i < 0 {
					k.partial = append(k.partial, data...)
					break
				}
				line := data[:i]
				data = data[i+1:]
				if n := len(line); n > 0 && line[n-1] == '\r' {
					line = line[:n-1]
				}
				k.out = append(append(k.out, line...), '\r', '\n')
			}
			pool.Put(r.buf)
			if len(k.out) > 0 {
				_, _ = k.c.Write(k.out)
			}
		}
	}
	queues := make([]chan read, hubs)
	for i := range queues {
		queues[i] = make(chan read, 1024)
		go hub(queues[i])
	}
	var next atomic.Uint32
	gosrv.New(ln, func(c net.Conn) {
		k := &conn{c: c}
		reads := queues[int(next.Add(1))%hubs]
		for {
			b := pool.Get().(*[]byte)
			n, err := c.Read(*b)
			if err != nil {
				pool.Put(b)
				return
			}
			reads <- read{k: k, data: (*b)[:n], buf: b}
		}
	})
	return nil
}

// client measures the echo server at addr; see the command's doc.
func client(addr string, clients, window int, secs time.Duration) error {
	ap, err := loadkit.Loopback("addr", addr)
	if err != nil {
		return err
	}
	if clients < 1 || window < 1 || secs <= 0 {
		return errors.New("-clients and -window must be at least 1 and -secs more than 0")
	}
	conns := make([]*net.TCPConn, 0, clients)
	defer func() {
		for _, c := range conns {
			c.SetLinger(0)
			c.Close()
		}
	}()
	if err := loadkit.WaitListening(ap); err != nil {
		return err
	}
	for range clients {
		c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(ap))
		if err != nil {
			return fmt.Errorf("connect to %s: %w", ap, err)
		}
		conns = append(conns, c)
	}

	var lines atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	began := time.Now()
	stop := began.Add(secs)
	for i, c := range conns {
		// No read or write may take long once the time is up.
		c.SetDeadline(stop.Add(10 * time.Second))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := converse(c, i, window, stop, &lines); err != nil {
				errs <- fmt.Errorf("connection %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	select {
	case err := <-errs:
		return err
	default:
	}
	n := lines.Load()
	fmt.Printf("rate=%.1f lines=%d secs=%.3f clients=%d window=%d\n",
		float64(n)/elapsed.Seconds(), n, elapsed.Seconds(), clients, window)
	return nil
}

// converse is one connection's load: window lines out, their echoes in,
// checked, until stop.
func converse(c net.Conn, id, window int, stop time.Time, lines *atomic.Int64) error {
	rd := bufio.NewReader(c)
	var out []byte
	want := make([][]byte, window)
	for seq := 0; time.Now().Before(stop); {
		out = out[:0]
		for j := range window {
			start := len(out)
			out = fmt.Appendf(out, "client %d line %d: the quick brown fox jumps over the lazy dog", id, seq)
			want[j] = out[start:len(out):len(out)]
			out = append(out, '\n')
			seq++
		}
		if _, err := c.Write(out); err != nil {
			return err
		}
		for j := range window {
			got, err := rd.ReadSlice('\n')
			if err != nil {
				return err
			}
			got = bytes.TrimRight(got, "\r\n")
			if !bytes.Equal(got, want[j]) {
				return fmt.Errorf("echo %q, want %q", got, want[j])
			}
		}
		lines.Add(int64(window))
	}
	return nil
}
