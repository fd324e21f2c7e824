package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed02617006/poe/component/dropper"
	"github.com/seed02617006/poe/kernel"
)

// The benchmarks run the program's server in this process (its session on
// a kernel of its own) and, in the same run, a plain Go loop that reads,
// asks the same dropper and answers with the same respond, and report
// both rates and their ratio (poe/go). Clients blast REGISTERs from
// benchClients loopback ports.

const (
	benchClients = 16
	// benchWait bounds each wait for a reply; a REGISTER not answered in
	// time is counted as lost, never waited for again.
	benchWait = time.Second
	// benchWindow bounds the flood's datagrams sent but not yet handled,
	// so that loss in the socket buffer does not masquerade as speed.
	benchWindow = 64
	// benchStall ends a flood whose server has handled nothing for this
	// long.
	benchStall = 2 * time.Second
)

// responder is a running server: the POE program or the plain Go loop.
type responder struct {
	addr     netip.AddrPort
	answered *atomic.Int64
	dropped  *atomic.Int64
	stop     func() error
}

func benchConfig(b *testing.B, drop bool, attempts int) config {
	return config{
		addr:     netip.MustParseAddrPort("127.0.0.1:0"),
		db:       b.TempDir() + "/drop.db",
		methods:  []string{"REGISTER", "INVITE", "SUBSCRIBE", "OPTIONS", ""},
		attempts: attempts,
		interval: time.Minute,
		save:     5 * time.Second,
		drop:     drop,
	}
}

// startPOE runs the program's session on a new kernel.
func startPOE(b *testing.B, cfg config) responder {
	b.Helper()
	s, err := newServer(cfg, log.New(io.Discard, "", 0))
	if err != nil {
		b.Fatal(err)
	}
	ready := make(chan netip.AddrPort, 1)
	s.ready = func(a netip.AddrPort) { ready <- a }
	k := kernel.New()
	done := make(chan error, 1)
	go func() { done <- s.run(k) }()
	var addr netip.AddrPort
	select {
	case addr = <-ready:
	case err := <-done:
		b.Fatalf("the server stopped at start: %v", err)
	case <-time.After(10 * time.Second):
		b.Fatal("the server did not start")
	}
	return responder{addr: addr, answered: &s.answered, dropped: &s.dropped, stop: func() error {
		// What SIGTERM does: the shutdown handler saves and stops.
		if err := k.Outside().Signal(0, "TERM"); err != nil {
			return err
		}
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("the server did not stop within 10s of TERM")
		}
	}}
}

// startGo runs the plain Go loop: one goroutine that reads a datagram,
// drops it when the dropper says so, and otherwise answers it.
func startGo(b *testing.B, cfg config) responder {
	b.Helper()
	var drop *dropper.ByIPPort
	if cfg.drop {
		var err error
		if drop, err = dropper.NewByIPPort(dropper.ByIPPortOptions{
			Database: cfg.db, Methods: cfg.methods, Attempts: cfg.attempts, Interval: cfg.interval,
		}); err != nil {
			b.Fatal(err)
		}
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(cfg.addr))
	if err != nil {
		b.Fatal(err)
	}
	r := responder{addr: conn.LocalAddr().(*net.UDPAddr).AddrPort(), answered: new(atomic.Int64), dropped: new(atomic.Int64)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 64<<10)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
			if drop != nil && drop.Run(buf[:n], from) {
				r.dropped.Add(1)
				continue
			}
			rep, ok := respond(buf[:n], from, newTag)
			if !ok {
				continue
			}
			if _, err := conn.WriteToUDPAddrPort(rep.payload, rep.to); err == nil {
				r.answered.Add(1)
			}
		}
	}()
	r.stop = func() error {
		err := conn.Close()
		wg.Wait()
		if drop != nil {
			if err := drop.SaveDB(); err != nil {
				return err
			}
		}
		return err
	}
	return r
}

// benchSockets opens n client sockets on loopback ports.
func benchSockets(b *testing.B, n int) []*net.UDPConn {
	b.Helper()
	conns := make([]*net.UDPConn, n)
	for i := range conns {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns
}

// register returns a REGISTER from port with rport, so that the reply
// goes back to the socket that sent it.
func register(port, seq int) []byte {
	return fmt.Appendf(nil, "REGISTER sip:127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-b%d;rport\r\n"+
		"From: <sip:bench%d@127.0.0.1>;tag=b\r\n"+
		"To: <sip:bench%d@127.0.0.1>\r\n"+
		"Call-ID: bench-%d@127.0.0.1\r\n"+
		"CSeq: %d REGISTER\r\n"+
		"Contact: <sip:bench%d@127.0.0.1:%d>\r\n"+
		"Content-Length: 0\r\n\r\n", port, seq, port, port, port, seq, port, port)
}

// pingPong sends n REGISTERs in all, each client socket waiting for the
// reply to its REGISTER before sending the next, and returns the time,
// the replies and the REGISTERs left unanswered within benchWait.
func pingPong(b *testing.B, to netip.AddrPort, n int) (time.Duration, int64, int64) {
	b.Helper()
	conns := benchSockets(b, benchClients)
	var next, replies, lost atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			port := c.LocalAddr().(*net.UDPAddr).Port
			msg := register(port, 1)
			buf := make([]byte, 64<<10)
			for next.Add(1) <= int64(n) {
				if _, err := c.WriteToUDPAddrPort(msg, to); err != nil {
					lost.Add(1)
					continue
				}
				_ = c.SetReadDeadline(time.Now().Add(benchWait))
				if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
					lost.Add(1)
					continue
				}
				replies.Add(1)
			}
		}()
	}
	wg.Wait()
	return time.Since(start), replies.Load(), lost.Load()
}

// flood sends n REGISTERs round-robin from the client sockets, keeping at
// most benchWindow of them unhandled by the server (answered or dropped),
// and returns the time and how many the server handled.
func flood(b *testing.B, r responder, n int) (time.Duration, int64) {
	b.Helper()
	conns := benchSockets(b, benchClients)
	msgs := make([][]byte, len(conns))
	for i, c := range conns {
		msgs[i] = register(c.LocalAddr().(*net.UDPAddr).Port, 1)
	}
	base := r.answered.Load() + r.dropped.Load()
	handled := func() int64 { return r.answered.Load() + r.dropped.Load() - base }
	start := time.Now()
	lastMove, lastSeen := start, int64(0)
	for sent := 0; sent < n; {
		h := handled()
		if h != lastSeen {
			lastSeen, lastMove = h, time.Now()
		}
		if int64(sent)-h >= benchWindow {
			if time.Since(lastMove) > benchStall {
				break // the rest were lost in a socket buffer
			}
			time.Sleep(20 * time.Microsecond)
			continue
		}
		i := sent % len(conns)
		_, _ = conns[i].WriteToUDPAddrPort(msgs[i], r.addr)
		sent++
	}
	for handled() < int64(n) && time.Since(lastMove) < benchStall {
		if h := handled(); h != lastSeen {
			lastSeen, lastMove = h, time.Now()
		}
		time.Sleep(100 * time.Microsecond)
	}
	return time.Since(start), handled()
}

// BenchmarkResponder measures REGISTERs answered per second with the
// dropper off, and on but never reaching its limit (every packet counted,
// none dropped), from benchClients ports each waiting for its reply.
func BenchmarkResponder(b *testing.B) {
	for _, bc := range []struct {
		name string
		drop bool
	}{{"dropper-off", false}, {"dropper-on", true}} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := benchConfig(b, bc.drop, dropper.MaxCount)
			rates := map[string]float64{}
			for _, impl := range []struct {
				name  string
				start func(*testing.B, config) responder
			}{{"poe", startPOE}, {"go", startGo}} {
				r := impl.start(b, cfg)
				if impl.name == "poe" {
					b.ReportAllocs()
					b.ResetTimer()
				}
				d, replies, lost := pingPong(b, r.addr, b.N)
				if impl.name == "poe" {
					b.StopTimer()
				}
				if err := r.stop(); err != nil {
					b.Fatal(err)
				}
				if lost > int64(b.N)/100 {
					b.Errorf("%s: %d of %d REGISTERs unanswered", impl.name, lost, b.N)
				}
				rates[impl.name] = float64(replies) / d.Seconds()
			}
			b.ReportMetric(rates["poe"], "replies/s")
			b.ReportMetric(rates["go"], "go-replies/s")
			b.ReportMetric(rates["poe"]/rates["go"], "ratio")
		})
	}
}

// BenchmarkFlood measures datagrams handled per second when
// benchClients ports flood past the SYNOPSIS's limit (10 in a minute):
// all but the first nine of each port are dropped in the wheel's reader,
// and the session only logs each drop.
func BenchmarkFlood(b *testing.B) {
	cfg := benchConfig(b, true, 10)
	rates := map[string]float64{}
	for _, impl := range []struct {
		name  string
		start func(*testing.B, config) responder
	}{{"poe", startPOE}, {"go", startGo}} {
		c := cfg
		c.db = b.TempDir() + "/" + impl.name + ".db"
		r := impl.start(b, c)
		if impl.name == "poe" {
			b.ReportAllocs()
			b.ResetTimer()
		}
		d, handled := flood(b, r, b.N)
		if impl.name == "poe" {
			b.StopTimer()
		}
		dropped := r.dropped.Load()
		if err := r.stop(); err != nil {
			b.Fatal(err)
		}
		if handled < int64(b.N)*99/100 {
			b.Errorf("%s: handled %d of %d datagrams", impl.name, handled, b.N)
		}
		if want := int64(b.N - 9*benchClients); b.N > 9*benchClients && dropped < want*99/100 {
			b.Errorf("%s: dropped %d of %d datagrams, want about %d", impl.name, dropped, b.N, want)
		}
		rates[impl.name] = float64(handled) / d.Seconds()
	}
	b.ReportMetric(rates["poe"], "packets/s")
	b.ReportMetric(rates["go"], "go-packets/s")
	b.ReportMetric(rates["poe"]/rates["go"], "ratio")
}
