// Command socksload is bench/socks.sh's SOCKS 4 comparison: our proxy
// (component/socks), a plain Go relay, the destinations the tunnels lead
// to, and the load client that measures every proxy alike, Dante's danted
// included.
//
//	socksload -mode server-poe -addr 127.0.0.1:7000     # component/socks
//	socksload -mode server-go -addr 127.0.0.1:7001      # io.Copy relay
//	socksload -mode target -echo 127.0.0.1:7100 -discard 127.0.0.1:7101
//	socksload -mode client -proxy 127.0.0.1:7000 -echo 127.0.0.1:7100 \
//	    -work connect -clients 8 -secs 3
//	  rate=4321.0 ops=12963 secs=3.000 clients=8
//	socksload -mode client -proxy ... -discard 127.0.0.1:7101 -work bulk -secs 3
//	  rate=1234.5 bytes=3883925504 secs=3.000   (rate in MB/s, 10^6 bytes)
//	socksload -mode client -proxy ... -echo ... -work idle -tunnels 10000 -pid 123
//	  tunnels=10000 rss=... rss_before=... rss_per_tunnel=... secs=...
//	socksload -mode freeport                             # prints a free port
//
// connect: each client, one after another, opens a connection to the
// proxy, asks for a CONNECT to the echo destination, sends 64 bytes, reads
// them back, checks them and closes; the rate is such operations per
// second over all clients. Client sockets are reset on close (SO_LINGER
// 0), as are the destination's, so that no TIME_WAIT piles up.
//
// bulk: one tunnel to the discard destination, written in 64 KiB chunks
// for secs, then half-closed; the destination acknowledges EOF with one
// byte, and the rate counts until that byte arrives.
//
// idle: tunnels to the echo destination are opened (8 at a time), each
// checked with one echoed byte, and held; then the memory of the process
// -pid and its descendants (danted forks) is read, as proportional set
// size (shared pages counted once), compared with what it was before, and
// the tunnels are closed. A proxy that cannot open them all (out of
// descriptors: the Go relay's io.Copy holds a pipe per waiting splice) is
// measured with those it did open, and the line says failed=1.
//
// Every address must be a loopback one; servers and destinations exit by
// themselves after -life seconds.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed02617006/poe/bench/internal/loadkit"
	"github.com/seed02617006/poe/component/socks"
	"github.com/seed02617006/poe/internal/gosrv"
	"github.com/seed02617006/poe/kernel"
)

func main() {
	mode := flag.String("mode", "", "server-poe, server-go, target, client or freeport")
	addr := flag.String("addr", "", "server: host:port to listen on")
	proxy := flag.String("proxy", "", "client: the proxy's host:port")
	echo := flag.String("echo", "", "target, client: the echo destination's host:port")
	discard := flag.String("discard", "", "target, client: the discard destination's host:port")
	work := flag.String("work", "connect", "client: connect, bulk or idle")
	clients := flag.Int("clients", 8, "client connect: concurrent clients")
	secs := flag.Float64("secs", 3, "client connect and bulk: seconds of load")
	tunnels := flag.Int("tunnels", 10000, "client idle: tunnels to hold")
	pid := flag.Int("pid", 0, "client idle: the proxy's process, whose memory is measured")
	life := flag.Float64("life", 300, "server, target: exit after this many seconds")
	cpuprofile := flag.String("cpuprofile", "", "server: write a CPU profile of the server's life to this file")
	flag.Parse()
	lifetime := time.Duration(*life * float64(time.Second))
	load := time.Duration(*secs * float64(time.Second))
	loadkit.Run("socksload", *cpuprofile, func() error {
		switch *mode {
		case "server-poe":
			return serve(*mode, lifetime, func() error { return poeProxy(*addr) })
		case "server-go":
			return serve(*mode, lifetime, func() error { return goProxy(*addr) })
		case "target":
			return serve(*mode, lifetime, func() error { return targets(*echo, *discard) })
		case "client":
			return client(*work, *proxy, *echo, *discard, *clients, *tunnels, *pid, load)
		case "freeport":
			return loadkit.PrintFreePort()
		}
		return fmt.Errorf("unknown -mode %q (want server-poe, server-go, target, client or freeport)", *mode)
	})
}

// serve starts a server and keeps it until SIGINT, SIGTERM or the end of
// its life.
func serve(mode string, life time.Duration, start func() error) error {
	if err := start(); err != nil {
		return err
	}
	loadkit.Hold("socksload", mode, life)
	return nil
}

// poeProxy runs component/socks on a kernel of its own.
func poeProxy(addr string) error {
	ap, err := loadkit.Loopback("addr", addr)
	if err != nil {
		return err
	}
	k := kernel.New()
	srv, err := socks.Spawn(socks.Options{Kernel: k, Address: ap.Addr().String(), Port: int(ap.Port())})
	if err != nil {
		return err
	}
	if srv.Port() == 0 {
		return fmt.Errorf("the proxy could not listen on %s", ap)
	}
	go func() {
		if err := k.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "socksload: kernel:", err)
		}
		fmt.Fprintln(os.Stderr, "socksload: the kernel stopped")
		os.Exit(1)
	}()
	return nil
}

// goProxy runs the baseline: a SOCKS 4 CONNECT relay in plain Go, a
// goroutine per direction doing io.Copy (splice between TCP sockets),
// half-closes passed on.
func goProxy(addr string) error {
	ap, err := loadkit.Loopback("addr", addr)
	if err != nil {
		return err
	}
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(ap))
	if err != nil {
		return err
	}
	gosrv.New(ln, func(c net.Conn) { goRelay(c.(*net.TCPConn)) })
	return nil
}

func goRelay(c *net.TCPConn) {
	buf := make([]byte, socks.MaxRequestLen)
	var req socks.Request
	n, used := 0, 0
	for {
		m, rerr := c.Read(buf[n:])
		n += m
		var err error
		req, used, err = socks.ParseRequest(buf[:n])
		if err == nil {
			break
		}
		if !errors.Is(err, socks.ErrIncomplete) || rerr != nil || n == len(buf) {
			return
		}
	}
	// Only loopback destinations: the benchmark stays on this machine.
	dst := netip.AddrPortFrom(req.IP, uint16(req.Port))
	if req.Command != socks.CmdConnect || !dst.Addr().IsLoopback() {
		_, _ = c.Write(socks.AppendReply(nil, socks.Reply{Code: socks.Rejected}))
		return
	}
	up, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(dst))
	if err != nil {
		_, _ = c.Write(socks.AppendReply(nil, socks.Reply{Code: socks.Rejected}))
		return
	}
	defer up.Close()
	if _, err := c.Write(socks.AppendReply(nil, socks.Reply{Code: socks.Granted, IP: req.IP, Port: req.Port})); err != nil {
		return
	}
	if _, err := up.Write(buf[used:n]); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(up, c)
		_ = up.CloseWrite()
		close(done)
	}()
	_, _ = io.Copy(c, up)
	_ = c.CloseWrite()
	<-done
}

// targets runs the echo and discard destinations.
func targets(echo, discard string) error {
	for _, t := range []struct {
		flag, addr string
		serve      func(*net.TCPConn)
	}{
		{"echo", echo, func(c *net.TCPConn) {
			// The peer closes first; a reset leaves no TIME_WAIT at
			// the proxy.
			_ = c.SetLinger(0)
			// Not io.Copy, which would splice through a pipe: two
			// more descriptors per idle connection, and the
			// destination of 10,000 idle tunnels would run out.
			buf := make([]byte, 2048)
			_, _ = io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, buf)
		}},
		{"discard", discard, func(c *net.TCPConn) {
			_, _ = io.Copy(io.Discard, c)
			_, _ = c.Write([]byte{1})
		}},
	} {
		ap, err := loadkit.Loopback(t.flag, t.addr)
		if err != nil {
			return err
		}
		ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(ap))
		if err != nil {
			return err
		}
		gosrv.New(ln, func(c net.Conn) { t.serve(c.(*net.TCPConn)) })
	}
	return nil
}

// tunnel opens a SOCKS 4 CONNECT tunnel to dst through proxy. Its socket
// resets on close.
func tunnel(proxy, dst netip.AddrPort, deadline time.Time) (*net.TCPConn, error) {
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(proxy))
	if err != nil {
		return nil, err
	}
	_ = c.SetLinger(0)
	_ = c.SetDeadline(deadline)
	req, _ := socks.AppendRequest(nil, socks.Request{Command: socks.CmdConnect, IP: dst.Addr(), Port: int(dst.Port()), UserID: "socksload"})
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, err
	}
	var rb [socks.ReplyLen]byte
	if _, err := io.ReadFull(c, rb[:]); err != nil {
		c.Close()
		return nil, fmt.Errorf("reply: %w", err)
	}
	if r, err := socks.ParseReply(rb[:]); err != nil || r.Code != socks.Granted {
		c.Close()
		return nil, fmt.Errorf("reply %+v, %v", r, err)
	}
	return c, nil
}

// client runs one measurement; see the command's doc.
func client(work, proxyAddr, echoAddr, discardAddr string, clients, tunnels, pid int, load time.Duration) error {
	proxy, err := loadkit.Loopback("proxy", proxyAddr)
	if err != nil {
		return err
	}
	if err := loadkit.WaitListening(proxy); err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	switch work {
	case "connect", "idle":
		echo, err := loadkit.Loopback("echo", echoAddr)
		if err != nil {
			return err
		}
		if err := loadkit.WaitListening(echo); err != nil {
			return fmt.Errorf("echo destination: %w", err)
		}
		if work == "connect" {
			return connectLoad(proxy, echo, clients, load)
		}
		return idleLoad(proxy, echo, tunnels, pid)
	case "bulk":
		discard, err := loadkit.Loopback("discard", discardAddr)
		if err != nil {
			return err
		}
		if err := loadkit.WaitListening(discard); err != nil {
			return fmt.Errorf("discard destination: %w", err)
		}
		return bulkLoad(proxy, discard, load)
	}
	return fmt.Errorf("unknown -work %q (want connect, bulk or idle)", work)
}

// connectLoad: CONNECT, 64 bytes echoed, close, by each client in turn.
func connectLoad(proxy, echo netip.AddrPort, clients int, load time.Duration) error {
	if clients < 1 || load <= 0 {
		return errors.New("-clients must be at least 1 and -secs more than 0")
	}
	msg := bytes.Repeat([]byte("0123456789abcdef"), 4)
	var ops atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	began := time.Now()
	stop := began.Add(load)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, len(msg))
			for time.Now().Before(stop) {
				c, err := tunnel(proxy, echo, stop.Add(10*time.Second))
				if err == nil {
					if _, err = c.Write(msg); err == nil {
						_, err = io.ReadFull(c, buf)
					}
					c.Close()
				}
				if err == nil && !bytes.Equal(buf, msg) {
					err = fmt.Errorf("echo %q, want %q", buf, msg)
				}
				if err != nil {
					errs <- err
					return
				}
				ops.Add(1)
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
	n := ops.Load()
	fmt.Printf("rate=%.1f ops=%d secs=%.3f clients=%d\n", float64(n)/elapsed.Seconds(), n, elapsed.Seconds(), clients)
	return nil
}

// bulkLoad: one tunnel, 64 KiB writes for load, half-close, wait for the
// destination's acknowledgement.
func bulkLoad(proxy, discard netip.AddrPort, load time.Duration) error {
	c, err := tunnel(proxy, discard, time.Now().Add(load+30*time.Second))
	if err != nil {
		return err
	}
	defer c.Close()
	chunk := make([]byte, 64<<10)
	var sent int64
	began := time.Now()
	for time.Since(began) < load {
		n, err := c.Write(chunk)
		sent += int64(n)
		if err != nil {
			return err
		}
	}
	if err := c.CloseWrite(); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		return fmt.Errorf("no acknowledgement from the destination: %w", err)
	}
	elapsed := time.Since(began)
	fmt.Printf("rate=%.1f bytes=%d secs=%.3f\n", float64(sent)/1e6/elapsed.Seconds(), sent, elapsed.Seconds())
	return nil
}

// idleLoad opens and holds tunnels, and reports the proxy's memory.
func idleLoad(proxy, echo netip.AddrPort, want, pid int) error {
	if pid <= 0 {
		return errors.New("-work idle needs the proxy's -pid")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		// One descriptor per tunnel here, and a margin for the rest.
		want = min(want, int(lim.Cur)-256)
	}
	before, err := treeRSS(pid)
	if err != nil {
		return err
	}
	const par = 8
	conns := make([]*net.TCPConn, want)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	began := time.Now()
	for range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			one := []byte{'x'}
			for {
				i := int(next.Add(1)) - 1
				if i >= want || firstErr.Load() != nil {
					return
				}
				c, err := tunnel(proxy, echo, time.Now().Add(10*time.Second))
				if err == nil {
					if _, err = c.Write(one); err == nil {
						_, err = io.ReadFull(c, one)
					}
					_ = c.SetDeadline(time.Time{})
					if err != nil {
						c.Close()
					}
				}
				if err != nil {
					err = fmt.Errorf("tunnel %d: %w", i, err)
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	opened := time.Since(began)
	held := 0
	for _, c := range conns {
		if c != nil {
			held++
			defer c.Close()
		}
	}
	failed := 0
	if p := firstErr.Load(); p != nil {
		fmt.Fprintf(os.Stderr, "socksload: idle: %d of %d tunnels opened: %v\n", held, want, *p)
		failed = 1
	}
	if held == 0 {
		return errors.New("no tunnel opened")
	}
	// Let the proxy settle (buffers released after the one echo).
	time.Sleep(500 * time.Millisecond)
	after, err := treeRSS(pid)
	if err != nil {
		return err
	}
	fmt.Printf("tunnels=%d rss=%d rss_before=%d rss_per_tunnel=%.0f secs=%.3f failed=%d\n",
		held, after, before, float64(after-before)/float64(held), opened.Seconds(), failed)
	return nil
}

// treeRSS sums the resident memory of pid and its descendants.
func treeRSS(pid int) (int64, error) {
	parent := map[int]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		id, _ := strconv.Atoi(strings.Fields(s)[0])
		pp, _ := strconv.Atoi(f[1])
		parent[id] = pp
	}
	if _, ok := parent[pid]; !ok {
		return 0, fmt.Errorf("no process %d", pid)
	}
	var total int64
	for id := range parent {
		for a := id; a > 1; a = parent[a] {
			if a == pid {
				total += rss(id)
				break
			}
		}
	}
	return total, nil
}

// rss is a process's resident memory in bytes, or 0: its proportional
// set size (Pss), which charges pages shared between processes (danted's
// forked children) once in all, or VmRSS where Pss is not available.
func rss(pid int) int64 {
	if v := procField(fmt.Sprintf("/proc/%d/smaps_rollup", pid), "Pss:"); v > 0 {
		return v
	}
	return procField(fmt.Sprintf("/proc/%d/status", pid), "VmRSS:")
}

// procField reads a "Name: 123 kB" line of a /proc file, in bytes.
func procField(path, name string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
