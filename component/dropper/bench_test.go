package dropper

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"
)

const benchPeers = 100_000

// benchAddrs returns n distinct (ip, port) peers.
func benchAddrs(n int) []netip.AddrPort {
	addrs := make([]netip.AddrPort, n)
	for i := range addrs {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		addrs[i] = netip.AddrPortFrom(a, uint16(1024+i%50000))
	}
	return addrs
}

// benchDropper returns a ByIPPort whose table holds one counter for each of
// benchPeers peers.
func benchDropper(b *testing.B, opts ByIPPortOptions, clk *fakeClock) (*ByIPPort, []netip.AddrPort) {
	b.Helper()
	opts.Now = clk.Now
	d, err := NewByIPPort(opts)
	if err != nil {
		b.Fatal(err)
	}
	addrs := benchAddrs(benchPeers)
	for _, a := range addrs {
		d.RunConn(a)
	}
	if n := d.Len(); n != benchPeers {
		b.Fatalf("table holds %d counters, want %d", n, benchPeers)
	}
	return d, addrs
}

func reportDecisions(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

func BenchmarkRun(b *testing.B) {
	packet := []byte(register)
	b.Run("all-packets", func(b *testing.B) {
		d, addrs := benchDropper(b, ByIPPortOptions{Attempts: 10, Interval: time.Minute}, newClock())
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			d.Run(packet, addrs[i%benchPeers])
		}
		reportDecisions(b)
	})
	b.Run("methods-filter", func(b *testing.B) {
		d, addrs := benchDropper(b, ByIPPortOptions{Attempts: 10, Interval: time.Minute, Methods: []string{"REGISTER", ""}}, newClock())
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			d.Run(packet, addrs[i%benchPeers])
		}
		reportDecisions(b)
	})
	b.Run("filtered-out", func(b *testing.B) {
		d, addrs := benchDropper(b, ByIPPortOptions{Attempts: 10, Interval: time.Minute, Methods: []string{"INVITE"}}, newClock())
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			d.Run(packet, addrs[i%benchPeers])
		}
		reportDecisions(b)
	})
	// The clock moves one second per round over all peers, so every
	// decision makes a new counter and, after Interval, expires one.
	b.Run("moving-clock", func(b *testing.B) {
		clk := newClock()
		d, addrs := benchDropper(b, ByIPPortOptions{Attempts: 10, Interval: 2 * time.Second}, clk)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if i%benchPeers == 0 {
				clk.Advance(time.Second)
			}
			d.Run(packet, addrs[i%benchPeers])
		}
		reportDecisions(b)
	})
	// MaxEntries below the number of peers: every decision evicts.
	b.Run("evicting", func(b *testing.B) {
		clk := newClock()
		d, addrs := benchDropper(b, ByIPPortOptions{Attempts: 10, Interval: time.Hour, MaxEntries: benchPeers}, clk)
		more := benchAddrs(2 * benchPeers)[benchPeers:]
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if i%benchPeers == 0 {
				clk.Advance(time.Second)
				addrs, more = more, addrs
			}
			d.Run(packet, addrs[i%benchPeers])
		}
		reportDecisions(b)
	})
	b.Run("parallel", func(b *testing.B) {
		d, addrs := benchDropper(b, ByIPPortOptions{Attempts: 10, Interval: time.Minute, Methods: []string{"REGISTER"}}, newClock())
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				d.Run(packet, addrs[i%benchPeers])
				i += 7
			}
		})
		reportDecisions(b)
	})
}

func BenchmarkParseFirstLine(b *testing.B) {
	packet := []byte(invite)
	b.ReportAllocs()
	b.SetBytes(int64(len(packet)))
	for b.Loop() {
		if _, why := parseFirstLine(packet); why != "" {
			b.Fatal(why)
		}
	}
}

func BenchmarkSaveDB(b *testing.B) {
	clk := newClock()
	path := filepath.Join(b.TempDir(), "drop.db")
	d, addrs := benchDropper(b, ByIPPortOptions{Database: path, Attempts: 10, Interval: time.Hour}, clk)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.RunConn(addrs[i%benchPeers]) // a change, so SaveDB writes
		i++
		if err := d.SaveDB(); err != nil {
			b.Fatal(err)
		}
	}
}
