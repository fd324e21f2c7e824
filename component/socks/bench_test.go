package socks

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed02617006/poe/internal/gosrv"
	"github.com/seed02617006/poe/kernel"
)

// The end-to-end benchmarks measure the proxy and, in the same run, a
// plain Go SOCKS 4 relay (a goroutine pair doing io.Copy per tunnel) on
// the same work, and report the ratio. Client sockets use SetLinger(0),
// so that the benchmark does not fill the port range with TIME_WAIT.

// benchServer runs a Server in its own kernel until b ends.
func benchServer(b *testing.B, opts Options) string {
	b.Helper()
	k := kernel.New()
	opts.Kernel, opts.Port = k, AnyPort
	srv, err := Spawn(opts)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	b.Cleanup(func() {
		srv.Shutdown()
		if err := <-done; err != nil {
			b.Error(err)
		}
	})
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.Port()))
}

// startGoRelay starts the baseline: a SOCKS 4 CONNECT relay in plain Go,
// one goroutine per direction, with half-close, until b ends.
func startGoRelay(b *testing.B) string {
	b.Helper()
	return gosrv.Serve(b, func(c net.Conn) { goRelay(c.(*net.TCPConn)) }).Addr().String()
}

// goRelay serves one client of the baseline; the server closes c.
func goRelay(c *net.TCPConn) {
	buf := make([]byte, 0, MaxRequestLen)
	var req Request
	var n int
	for {
		var err error
		if len(buf) == cap(buf) {
			return
		}
		m, rerr := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		req, n, err = ParseRequest(buf)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrIncomplete) || rerr != nil {
			return
		}
	}
	up, err := net.Dial("tcp", netip.AddrPortFrom(req.IP, uint16(req.Port)).String())
	if err != nil {
		_, _ = c.Write(AppendReply(nil, Reply{Code: Rejected}))
		return
	}
	defer up.Close()
	if _, err := c.Write(AppendReply(nil, Reply{Code: Granted, IP: req.IP, Port: req.Port})); err != nil {
		return
	}
	if _, err := up.Write(buf[n:]); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(up, c)
		_ = up.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	_, _ = io.Copy(c, up)
	_ = c.CloseWrite()
	<-done
}

// benchTarget is a destination: echo, or discard (acknowledging EOF with
// one byte).
func benchTarget(b *testing.B, discard bool) netip.AddrPort {
	b.Helper()
	return gosrv.Serve(b, func(c net.Conn) {
		if discard {
			_, _ = io.Copy(io.Discard, c)
			_, _ = c.Write([]byte{1})
			return
		}
		// The echo's peer closes first: reset, no TIME_WAIT.
		_ = c.(*net.TCPConn).SetLinger(0)
		_, _ = io.Copy(c, c)
	}).Addr().AddrPort()
}

// socksDial connects through the proxy and returns the tunnel.
func socksDial(proxy string, dst netip.AddrPort) (*net.TCPConn, error) {
	c, err := net.Dial("tcp", proxy)
	if err != nil {
		return nil, err
	}
	tc := c.(*net.TCPConn)
	_ = tc.SetLinger(0)
	req, _ := AppendRequest(nil, Request{Command: CmdConnect, IP: dst.Addr(), Port: int(dst.Port()), UserID: "bench"})
	if _, err := tc.Write(req); err != nil {
		tc.Close()
		return nil, err
	}
	var rb [ReplyLen]byte
	if _, err := io.ReadFull(tc, rb[:]); err != nil {
		tc.Close()
		return nil, err
	}
	if r, err := ParseReply(rb[:]); err != nil || r.Code != Granted {
		tc.Close()
		return nil, fmt.Errorf("reply %+v, %v", r, err)
	}
	return tc, nil
}

// connectEcho is one operation: CONNECT, 64 bytes echoed, close.
func connectEcho(proxy string, dst netip.AddrPort, msg, buf []byte) error {
	c, err := socksDial(proxy, dst)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write(msg); err != nil {
		return err
	}
	_, err = io.ReadFull(c, buf)
	return err
}

// runClients does n connectEcho operations with the given concurrency and
// returns the time taken.
func runClients(b *testing.B, proxy string, dst netip.AddrPort, n, clients int) time.Duration {
	b.Helper()
	msg := make([]byte, 64)
	for i := range msg {
		msg[i] = byte('a' + i%26)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	start := time.Now()
	for w := range clients {
		count := n / clients
		if w < n%clients {
			count++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, len(msg))
			for range count {
				if err := connectEcho(proxy, dst, msg, buf); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return d
}

func BenchmarkConnectEcho(b *testing.B) {
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			b.ReportAllocs()
			dst := benchTarget(b, false)
			proxy := benchServer(b, Options{})
			baseline := startGoRelay(b)
			b.ResetTimer()
			poe := runClients(b, proxy, dst, b.N, clients)
			b.StopTimer()
			plain := runClients(b, baseline, dst, b.N, clients)
			b.ReportMetric(float64(b.N)/poe.Seconds(), "conn/s")
			b.ReportMetric(float64(b.N)/plain.Seconds(), "go-conn/s")
			b.ReportMetric(poe.Seconds()/plain.Seconds(), "x-go-time")
		})
	}
}

// bulk sends n bytes through one tunnel to a discarding destination and
// returns the time until the destination has read them all.
func bulk(b *testing.B, proxy string, dst netip.AddrPort, n int) time.Duration {
	b.Helper()
	c, err := socksDial(proxy, dst)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	chunk := make([]byte, 64<<10)
	start := time.Now()
	for left := n; left > 0; left -= len(chunk) {
		if _, err := c.Write(chunk[:min(left, len(chunk))]); err != nil {
			b.Fatal(err)
		}
	}
	_ = c.CloseWrite()
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		b.Fatalf("no acknowledgement: %v", err)
	}
	return time.Since(start)
}

func BenchmarkBulk(b *testing.B) {
	b.ReportAllocs()
	const chunk = 64 << 10
	dst := benchTarget(b, true)
	proxy := benchServer(b, Options{})
	baseline := startGoRelay(b)
	b.SetBytes(chunk)
	b.ResetTimer()
	poe := bulk(b, proxy, dst, b.N*chunk)
	b.StopTimer()
	plain := bulk(b, baseline, dst, b.N*chunk)
	mb := float64(b.N*chunk) / (1 << 20)
	b.ReportMetric(mb/poe.Seconds(), "MiB/s")
	b.ReportMetric(mb/plain.Seconds(), "go-MiB/s")
	b.ReportMetric(poe.Seconds()/plain.Seconds(), "x-go-time")
}

// BenchmarkDante runs the CONNECT + echo benchmark against Dante's
// danted (Debian package dante-server) configured for SOCKS 4 on
// loopback, next to the proxy, when danted is installed.
func BenchmarkDante(b *testing.B) {
	danted, err := exec.LookPath("danted")
	if err != nil {
		b.Skip("danted not installed (Debian package dante-server)")
	}
	port := freePort(b)
	dir := b.TempDir()
	conf := filepath.Join(dir, "danted.conf")
	cfg := strings.Join([]string{
		"logoutput: /dev/null",
		"internal: 127.0.0.1 port = " + strconv.Itoa(port),
		"external: 127.0.0.1",
		"socksmethod: none",
		"clientmethod: none",
		"user.privileged: root",
		"user.unprivileged: nobody",
		"client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
		"socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }",
		"",
	}, "\n")
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(danted, "-f", conf, "-p", filepath.Join(dir, "danted.pid"))
	// danted forks workers: give it a process group and end them all.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	})
	dante := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", dante); err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 5*time.Second {
			b.Fatal("danted is not listening")
		}
	}
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			b.ReportAllocs()
			dst := benchTarget(b, false)
			proxy := benchServer(b, Options{})
			b.ResetTimer()
			poe := runClients(b, proxy, dst, b.N, clients)
			b.StopTimer()
			d := runClients(b, dante, dst, b.N, clients)
			b.ReportMetric(float64(b.N)/poe.Seconds(), "conn/s")
			b.ReportMetric(float64(b.N)/d.Seconds(), "dante-conn/s")
			b.ReportMetric(poe.Seconds()/d.Seconds(), "x-dante-time")
		})
	}
}

func freePort(b *testing.B) int {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
