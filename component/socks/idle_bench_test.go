package socks

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// BenchmarkIdleTunnels holds many idle tunnels open through the proxy and
// reports what each costs the proxy's process: resident memory, Go heap
// and goroutines. The clients and their destination run in a second
// process (this test binary again, in a helper role), so that only the
// proxy's two sockets per tunnel count against this process's descriptor
// limit; the number of tunnels is POE_SOCKS_IDLE_TUNNELS (default 10,000)
// or as many as that limit allows. Run it alone:
//
//	go test -run '^$' -bench IdleTunnels -benchtime 1x ./component/socks
func BenchmarkIdleTunnels(b *testing.B) {
	if spec := os.Getenv("POE_SOCKS_IDLE_HELPER"); spec != "" {
		idleHelper(b, spec)
		return
	}
	want := 10000
	if s := os.Getenv("POE_SOCKS_IDLE_TUNNELS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			want = n
		}
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		// Two descriptors per tunnel here, and a margin for the rest.
		want = min(want, (int(lim.Cur)-256)/2)
	}
	for range b.N {
		proxy := benchServer(b, Options{})
		runtime.GC()
		rss0, heap0, g0 := memNow()

		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkIdleTunnels$", "-test.benchtime=1x")
		cmd.Env = append(os.Environ(), fmt.Sprintf("POE_SOCKS_IDLE_HELPER=%s %d", proxy, want))
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(stdout)
		got := -1
		for got < 0 {
			line, err := r.ReadString('\n')
			if err != nil {
				b.Fatalf("helper: %v", err)
			}
			if n, ok := strings.CutPrefix(strings.TrimSpace(line), "ready "); ok {
				got, _ = strconv.Atoi(n)
			}
		}
		runtime.GC()
		rss1, heap1, g1 := memNow()
		stdin.Close()
		_, _ = io.Copy(io.Discard, r)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("helper: %v", err)
		}
		if got == 0 {
			b.Fatal("no tunnel opened")
		}
		b.ReportMetric(float64(got), "tunnels")
		b.ReportMetric(float64(rss1)/(1<<20), "RSS-MiB")
		b.ReportMetric(float64(rss1-rss0)/1024/float64(got), "RSS-KiB/tunnel")
		b.ReportMetric(float64(heap1-heap0)/1024/float64(got), "heap-KiB/tunnel")
		b.ReportMetric(float64(g1-g0)/float64(got), "goroutines/tunnel")
	}
}

// memNow returns the process's resident set, the Go heap in use and the
// number of goroutines.
func memNow() (rss, heap uint64, goroutines int) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				rss = kb * 1024
			}
		}
	}
	return rss, ms.HeapInuse, runtime.NumGoroutine()
}

// idleHelper is the helper role: a destination that holds connections,
// and n clients with a tunnel to it through the proxy. It prints
// "ready N" and holds them until its standard input closes.
func idleHelper(b *testing.B, spec string) {
	proxy, nText, _ := strings.Cut(spec, " ")
	n, _ := strconv.Atoi(nText)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	dst := ln.Addr().(*net.TCPAddr).AddrPort()
	opened := make(chan net.Conn, n)
	var cw sync.WaitGroup
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range 8 {
		cw.Add(1)
		go func() {
			defer cw.Done()
			for range next {
				c, err := socksDial(proxy, netip.AddrPort(dst))
				if err != nil {
					fmt.Fprintln(os.Stderr, "idle helper:", err)
					return
				}
				opened <- c
			}
		}()
	}
	cw.Wait()
	close(opened)
	fmt.Printf("ready %d\n", len(opened))
	_, _ = io.Copy(io.Discard, os.Stdin)
	for c := range opened {
		c.Close()
	}
	ln.Close()
	wg.Wait()
	mu.Lock()
	for _, c := range conns {
		c.Close()
	}
	mu.Unlock()
}
