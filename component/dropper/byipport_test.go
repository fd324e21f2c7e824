package dropper

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// step feeds one packet at base+at and states the decision it must get.
type step struct {
	at     time.Duration
	from   string
	packet string
	drop   bool
}

// flood returns n steps at the same time and peer, the first pass ones
// passing and the rest dropped.
func flood(at time.Duration, from, packet string, n, pass int) []step {
	s := make([]step, n)
	for i := range s {
		s[i] = step{at, from, packet, i >= pass}
	}
	return s
}

func cat(parts ...[]step) []step {
	var all []step
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

func TestRunDecisions(t *testing.T) {
	const a1, a2 = "192.0.2.1:5060", "192.0.2.1:5061"
	tests := []struct {
		name  string
		opts  ByIPPortOptions
		setup []Key // each Set to count 1000
		steps []step
	}{
		{
			name:  "first Attempts-1 pass, the rest are dropped",
			opts:  ByIPPortOptions{Attempts: 3, Interval: time.Minute},
			steps: flood(0, a1, register, 6, 2),
		},
		{
			name:  "Attempts 1 drops every packet",
			opts:  ByIPPortOptions{Attempts: 1, Interval: time.Minute},
			steps: flood(0, a1, register, 3, 0),
		},
		{
			name: "another port of the same IP still passes",
			opts: ByIPPortOptions{Attempts: 3, Interval: time.Minute},
			steps: cat(flood(0, a1, register, 5, 2), flood(sec(1), a2, register, 4, 2),
				[]step{{sec(2), "192.0.2.2:5060", register, false}}),
		},
		{
			name:  "a port 0 entry blocks every port of the IP",
			opts:  ByIPPortOptions{Attempts: 10, Interval: time.Minute},
			setup: []Key{{IP: ip("192.0.2.1"), Port: 0, Time: base.Unix() + 3600}},
			steps: []step{
				{0, a1, register, true},
				{0, a2, invite, true},
				{0, "192.0.2.1:1", ok200, true},
				{0, "[::ffff:192.0.2.1]:7", ok200, true},
				{0, "192.0.2.2:5060", register, false},
				{sec(3659), a1, register, true},             // a ban lasts Interval past its Time
				{sec(3660), "192.0.2.1:9", register, false}, // the ban's second has expired
			},
		},
		{
			name:  "port 0 counts add to every port's counts",
			opts:  ByIPPortOptions{Attempts: 3, Interval: time.Minute},
			steps: []step{{0, "192.0.2.1:0", conn, false}, {0, a1, register, false}, {0, a2, register, false}, {0, a1, register, true}},
		},
		{
			name: "port 0 counts itself once",
			opts: ByIPPortOptions{Attempts: 3, Interval: time.Minute},
			steps: []step{
				{0, "192.0.2.1:0", conn, false},
				{0, "192.0.2.1:0", conn, false}, // the original counts 2+2 here and drops
				{0, "192.0.2.1:0", conn, true},
			},
		},
		{
			name: "dropped packets count, so a steady flood stays dropped",
			opts: ByIPPortOptions{Attempts: 3, Interval: 10 * time.Second},
			steps: func() []step {
				var s []step
				for i := range 30 {
					s = append(s, step{sec(float64(i)), a1, register, i >= 2})
				}
				return s
			}(),
		},
		{
			name: "a slow peer falls back under the limit",
			opts: ByIPPortOptions{Attempts: 3, Interval: 10 * time.Second},
			steps: []step{
				{sec(0), a1, register, false},
				{sec(4), a1, register, false},
				{sec(8), a1, register, true},   // 0, 4, 8
				{sec(12), a1, register, true},  // 4, 8, 12
				{sec(19), a1, register, false}, // 12, 19
				{sec(24), a1, register, false}, // 19, 24
			},
		},
		{
			name: "expiry after Interval, by whole seconds",
			opts: ByIPPortOptions{Attempts: 2, Interval: time.Minute},
			steps: []step{
				{sec(0), a1, register, false},
				{sec(0.5), a1, register, true},
				{sec(59.6), a1, register, true}, // second 59: the ones of second 0 still count
				{sec(59.7), "192.0.2.9:1", register, false},
				{sec(59.7), "192.0.2.9:1", register, true},
				{sec(60), a1, register, true},                // second 60: second 0 gone, 59 and 60 count
				{sec(119.7), a1, register, false},            // second 120: all gone
				{sec(119.7), "192.0.2.9:1", register, false}, // second 59 gone too
			},
		},
		{
			name: "a fractional Interval is rounded up to whole seconds",
			opts: ByIPPortOptions{Attempts: 2, Interval: 1500 * time.Millisecond},
			steps: []step{
				{sec(0), a1, register, false},
				{sec(1), a1, register, true},
				{sec(3), a1, register, false},
			},
		},
		{
			name: "Methods counts and drops only the listed methods",
			opts: ByIPPortOptions{Attempts: 2, Interval: time.Minute, Methods: []string{"REGISTER"}},
			steps: cat(
				flood(0, a1, invite, 5, 5),
				flood(0, a1, ok200, 3, 3),
				flood(0, a1, garbage, 3, 3),
				flood(0, a1, "register sip:a SIP/2.0\r\n\r\n", 3, 3), // methods are case-sensitive
				flood(0, a1, register, 3, 1),
				[]step{{0, a1, invite, false}, {0, a1, ok200, false}}, // not dropped either
				[]step{{0, a1, conn, true}},                           // RunConn has no filter
			),
		},
		{
			name: "Methods with \"\" counts responses",
			opts: ByIPPortOptions{Attempts: 3, Interval: time.Minute, Methods: []string{"", "REGISTER"}},
			steps: []step{
				{0, a1, ok200, false},
				{0, a1, invite, false},
				{0, a1, "SIP/2.0 401 Unauthorized\r\n\r\n", false},
				{0, a1, register, true},
				{0, a1, ok200, true},
				{0, a1, invite, false},
				{0, a1, garbage, false},
			},
		},
		{
			name:  "without Methods garbage counts like any packet",
			opts:  ByIPPortOptions{Attempts: 2, Interval: time.Minute},
			steps: cat(flood(0, a1, garbage, 1, 1), flood(0, a1, "", 1, 0), flood(0, a1, invite, 1, 0)),
		},
		{
			name: "IPv4-mapped and plain IPv4 are one peer",
			opts: ByIPPortOptions{Attempts: 2, Interval: time.Minute},
			steps: []step{
				{0, "[::ffff:192.0.2.1]:5060", register, false},
				{0, a1, register, true},
			},
		},
		{
			name: "IPv6 peers",
			opts: ByIPPortOptions{Attempts: 2, Interval: time.Minute},
			steps: []step{
				{0, "[2001:db8::1]:5060", register, false},
				{0, "[2001:db8::1%eth0]:5060", register, true},
				{0, "[2001:db8::2]:5060", register, false},
			},
		},
		{
			name: "RunConn counts every connection",
			opts: ByIPPortOptions{Attempts: 3, Interval: time.Minute, Methods: []string{"REGISTER"}},
			steps: cat(flood(0, a1, conn, 4, 2),
				[]step{{0, "192.0.2.1:40000", conn, false}}), // a new source port is a new peer
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			opts := tt.opts
			opts.Now = clk.Now
			d, err := NewByIPPort(opts)
			if err != nil {
				t.Fatalf("NewByIPPort(%+v) error: %v", tt.opts, err)
			}
			for _, k := range tt.setup {
				if err := d.Set(k, 1000); err != nil {
					t.Fatalf("Set(%+v, 1000) error: %v", k, err)
				}
			}
			for i, s := range tt.steps {
				clk.Set(base.Add(s.at))
				from := ap(s.from)
				var got bool
				if s.packet == conn {
					got = d.RunConn(from)
				} else {
					got = d.Run([]byte(s.packet), from)
				}
				if got != s.drop {
					t.Fatalf("step %d at +%v from %s %.20q: dropped = %v, want %v", i, s.at, s.from, s.packet, got, s.drop)
				}
			}
		})
	}
}

func TestInvalidSourceNotCounted(t *testing.T) {
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 1, Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if d.Run([]byte(register), netip.AddrPort{}) || d.RunConn(netip.AddrPort{}) {
		t.Errorf("a packet from the zero AddrPort was dropped; want passed")
	}
	if n := d.Len(); n != 0 {
		t.Errorf("Len() after packets from the zero AddrPort = %d, want 0", n)
	}
}

func TestNewByIPPortConfigErrors(t *testing.T) {
	load := func() (Table, error) { return nil, nil }
	tests := []struct {
		name string
		opts ByIPPortOptions
	}{
		{"no Attempts", ByIPPortOptions{Interval: time.Minute}},
		{"negative Attempts", ByIPPortOptions{Attempts: -1, Interval: time.Minute}},
		{"no Interval", ByIPPortOptions{Attempts: 10}},
		{"negative Interval", ByIPPortOptions{Attempts: 10, Interval: -time.Second}},
		{"nothing", ByIPPortOptions{}},
		{"Database and Load", ByIPPortOptions{Attempts: 10, Interval: time.Minute, Database: "x", Load: load}},
		{"Database and Save", ByIPPortOptions{Attempts: 10, Interval: time.Minute, Database: "x", Save: func(Table) error { return nil }}},
		{"negative MaxEntries", ByIPPortOptions{Attempts: 10, Interval: time.Minute, MaxEntries: -1}},
		{"huge MaxEntries", ByIPPortOptions{Attempts: 10, Interval: time.Minute, MaxEntries: 1 << 31}},
		{"method not a token", ByIPPortOptions{Attempts: 10, Interval: time.Minute, Methods: []string{"REGISTER", "IN VITE"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewByIPPort(tt.opts)
			if !errors.Is(err, ErrConfig) || d != nil {
				t.Fatalf("NewByIPPort(%+v) = %v, %v; want nil, an error wrapping ErrConfig", tt.opts, d, err)
			}
		})
	}
}

func TestOptionsNotMutated(t *testing.T) {
	methods := []string{"REGISTER", ""}
	opts := ByIPPortOptions{Attempts: 10, Interval: time.Minute, Methods: methods}
	if _, err := NewByIPPort(opts); err != nil {
		t.Fatal(err)
	}
	if opts.Now != nil || opts.MaxEntries != 0 || len(opts.Methods) != 2 || methods[0] != "REGISTER" || methods[1] != "" {
		t.Errorf("NewByIPPort changed its options: %+v", opts)
	}
}

func TestDataSetExpire(t *testing.T) {
	clk := newClock()
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 10, Interval: 10 * time.Second, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	now := base.Unix()
	d.Run(nil, ap("192.0.2.1:5060"))
	d.Run(nil, ap("192.0.2.1:5060"))
	clk.Advance(sec(3))
	d.Run(nil, ap("[::ffff:192.0.2.1]:5060"))
	d.RunConn(ap("[2001:db8::1]:0"))
	if err := d.Set(Key{IP: ip("::ffff:198.51.100.7"), Port: 0, Time: now + 100}, 50); err != nil {
		t.Fatal(err)
	}
	want := Table{
		{IP: ip("192.0.2.1"), Port: 5060, Time: now}:       2,
		{IP: ip("192.0.2.1"), Port: 5060, Time: now + 3}:   1,
		{IP: ip("2001:db8::1"), Port: 0, Time: now + 3}:    1,
		{IP: ip("198.51.100.7"), Port: 0, Time: now + 100}: 50,
	}
	got := d.Data()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Data() = %v, want %v", got, want)
	}
	got[Key{IP: ip("192.0.2.99"), Port: 1, Time: now}] = 5
	if n := d.Len(); n != 4 {
		t.Errorf("Len() after changing Data's copy = %d, want 4", n)
	}

	// Set replaces a count, and 0 removes it.
	if err := d.Set(Key{IP: ip("192.0.2.1"), Port: 5060, Time: now}, 7); err != nil {
		t.Fatal(err)
	}
	if err := d.Set(Key{IP: ip("2001:db8::1"), Port: 0, Time: now + 3}, 0); err != nil {
		t.Fatal(err)
	}
	if err := d.Set(Key{IP: ip("2001:db8::1"), Port: 0, Time: now + 4}, 0); err != nil {
		t.Fatalf("Set(absent, 0) error: %v", err)
	}
	// 7 + 1 at port 5060: two more reach 10.
	if d.Run(nil, ap("192.0.2.1:5060")) {
		t.Errorf("Run after Set to 7 dropped at count 9")
	}
	if !d.Run(nil, ap("192.0.2.1:5060")) {
		t.Errorf("Run after Set to 7 passed at count 10")
	}

	clk.Set(base.Add(sec(10))) // second now+10: second now expires
	d.Expire()
	want = Table{
		{IP: ip("192.0.2.1"), Port: 5060, Time: now + 3}:   3,
		{IP: ip("198.51.100.7"), Port: 0, Time: now + 100}: 50,
	}
	if got := d.Data(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Data() after Expire = %v, want %v", got, want)
	}
	clk.Set(base.Add(sec(110)))
	d.Expire()
	if n := d.Len(); n != 0 {
		t.Errorf("Len() after everything expired = %d, want 0 (%v)", n, d.Data())
	}
}

func TestSetErrors(t *testing.T) {
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 10, Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		k     Key
		count int
	}{
		{Key{Port: 1, Time: 1}, 1},
		{Key{IP: ip("192.0.2.1"), Port: -1, Time: 1}, 1},
		{Key{IP: ip("192.0.2.1"), Port: 65536, Time: 1}, 1},
		{Key{IP: ip("192.0.2.1"), Port: 1, Time: 1}, -1},
		{Key{IP: ip("192.0.2.1"), Port: 1, Time: 1}, MaxCount + 1},
		{Key{Port: 1, Time: 1}, 0},
	}
	for _, tt := range tests {
		if err := d.Set(tt.k, tt.count); !errors.Is(err, ErrEntry) {
			t.Errorf("Set(%+v, %d) = %v, want an error wrapping ErrEntry", tt.k, tt.count, err)
		}
	}
	if n := d.Len(); n != 0 {
		t.Errorf("Len() after failed Sets = %d, want 0", n)
	}
}

func TestCountSaturates(t *testing.T) {
	clk := newClock()
	d, err := NewByIPPort(ByIPPortOptions{Attempts: math.MaxInt, Interval: time.Minute, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	k := Key{IP: ip("192.0.2.1"), Port: 5060, Time: base.Unix()}
	if err := d.Set(k, MaxCount); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		d.Run(nil, ap("192.0.2.1:5060"))
	}
	if got := d.Data()[k]; got != MaxCount {
		t.Errorf("count after adding past MaxCount = %d, want %d", got, MaxCount)
	}
}

func TestMaxEntriesEvictsOldest(t *testing.T) {
	clk := newClock()
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 2, Interval: time.Hour, MaxEntries: 3, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		clk.Set(base.Add(sec(float64(i))))
		d.Run(nil, netip.AddrPortFrom(ip("192.0.2.1"), uint16(5060+i)))
	}
	got := d.Data()
	if len(got) != 3 {
		t.Fatalf("len(Data()) = %d, want 3: %v", len(got), got)
	}
	if _, ok := got[Key{IP: ip("192.0.2.1"), Port: 5060, Time: base.Unix()}]; ok {
		t.Errorf("Data() = %v still holds the oldest counter", got)
	}
	// The evicted peer starts again from zero; the others still count.
	if d.Run(nil, ap("192.0.2.1:5060")) {
		t.Errorf("evicted peer dropped at its first new packet")
	}
	if !d.Run(nil, ap("192.0.2.1:5063")) {
		t.Errorf("kept peer passed at its second packet")
	}
}

func TestFloodOfPeersIsBounded(t *testing.T) {
	clk := newClock()
	const maxEntries = 1000
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 5, Interval: time.Hour, MaxEntries: maxEntries, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50_000 {
		if i%1000 == 0 {
			clk.Advance(time.Second)
		}
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		d.Run(nil, netip.AddrPortFrom(a, uint16(i)))
	}
	if n := d.Len(); n > maxEntries {
		t.Errorf("Len() after 50000 peers = %d, want at most %d", n, maxEntries)
	}
	d.mu.Lock()
	heap, peers := len(d.tb.byTime), len(d.tb.peers)
	d.mu.Unlock()
	if heap > maxEntries || peers > maxEntries {
		t.Errorf("internal sizes after the flood: heap %d, peers %d; want at most %d", heap, peers, maxEntries)
	}
}

func TestSetRemoveKeepsHeapBounded(t *testing.T) {
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 5, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	k := Key{IP: ip("192.0.2.1"), Port: 1, Time: time.Now().Unix()}
	for range 100_000 {
		if err := d.Set(k, 3); err != nil {
			t.Fatal(err)
		}
		if err := d.Set(k, 0); err != nil {
			t.Fatal(err)
		}
	}
	d.mu.Lock()
	heap := len(d.tb.byTime)
	d.mu.Unlock()
	if heap > 2000 {
		t.Errorf("heap holds %d Keys after 100000 Set/remove cycles of one Key, want it compacted", heap)
	}
}

func TestClockGoingBackwards(t *testing.T) {
	clk := newClock()
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 3, Interval: 10 * time.Second, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	from := ap("192.0.2.1:5060")
	clk.Set(base.Add(sec(100)))
	d.Run(nil, from)
	clk.Set(base) // the wall clock was set back
	d.Run(nil, from)
	if !d.Run(nil, from) {
		t.Errorf("third packet passed after the clock went back; want every second's counts kept")
	}
	clk.Set(base.Add(sec(105))) // second +0 expires, +100 still counts
	if d.Run(nil, from) {
		t.Errorf("at +105s: seconds +100 and +105 count 2; want passed")
	}
	if !d.Run(nil, from) {
		t.Errorf("at +105s: seconds +100 and +105 count 3; want dropped")
	}
	clk.Set(base.Add(sec(116)))
	if d.Run(nil, from) {
		t.Errorf("at +116s: only +116 counts; want passed")
	}
}

func TestConcurrentUse(t *testing.T) {
	clk := newClock()
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 100, Interval: 5 * time.Second, Methods: []string{"REGISTER"}, MaxEntries: 500, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 4, 2000
	var wg sync.WaitGroup
	drops := make([]int, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), 5060)
			for i := range perWorker {
				switch i % 4 {
				case 0:
					clk.Advance(time.Millisecond)
				case 1:
					d.Data()
				case 2:
					d.RunConn(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(w), byte(i)}), 1))
				}
				if d.Run([]byte(register), from) {
					drops[w]++
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range drops {
		total += n
	}
	// 8000 REGISTERs from one peer within 2 seconds: all but the first 99 are dropped.
	if want := workers*perWorker - 99; total != want {
		t.Errorf("dropped %d of %d packets from one peer, want %d", total, workers*perWorker, want)
	}
}
