package netmask

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"testing"
)

func TestTableFetch(t *testing.T) {
	var tab Table
	for _, s := range []string{"127.0.0.0/24", "214.123.1.0/24", "192.168.1.0/24", "192.168.0.0/16", "192.168.1.128/25", "10.0.0.0/8", "10.1.2.3", "2001:db8::/32", "2001:db8:1::/48", "::/0"} {
		tab.Store(MustNew2(s))
	}
	tests := []struct{ addr, want string }{
		{"127.0.0.1", "127.0.0.0/24"},
		{"127.0.1.1", ""},
		{"192.168.1.1", "192.168.1.0/24"},
		{"192.168.1.200", "192.168.1.128/25"},
		{"192.168.2.1", "192.168.0.0/16"},
		{"10.1.2.3", "10.1.2.3/32"},
		{"10.1.2.4", "10.0.0.0/8"},
		{"11.0.0.0", ""},
		{"2001:db8:1::5", "2001:db8:1::/48"},
		{"2001:db8:2::5", "2001:db8::/32"},
		{"::1", "::/0"},
		{"::ffff:127.0.0.1", "::/0"},
		{"not an address", ""},
		{"", ""},
	}
	for _, tc := range tests {
		got := ""
		if nm := tab.Fetch(tc.addr); nm != nil {
			got = nm.String()
		}
		if got != tc.want {
			t.Errorf("Fetch(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
	if n := tab.Len(); n != 10 {
		t.Errorf("Len() = %d, want 10", n)
	}
}

func TestTableStoreReplacesAndDelete(t *testing.T) {
	var tab Table
	a := MustNew2("10.0.0.0/8")
	b := MustNew2("10.9.9.9/8") // the same block
	tab.Store(a)
	tab.Store(b)
	tab.Store(nil)
	if n := tab.Len(); n != 1 {
		t.Fatalf("Len() after storing one block twice = %d, want 1", n)
	}
	if got := tab.Fetch("10.1.1.1"); got != b {
		t.Errorf("Fetch after a replacing Store = %p, want the second block %p", got, b)
	}
	if tab.Delete(MustNew2("10.0.0.0/9")) {
		t.Errorf("Delete(10.0.0.0/9) = true for a block not in the table")
	}
	if tab.Delete(nil) {
		t.Errorf("Delete(nil) = true")
	}
	if !tab.Delete(MustNew2("10.0.0.0/8")) {
		t.Errorf("Delete(10.0.0.0/8) = false, want true")
	}
	if tab.Delete(MustNew2("10.0.0.0/8")) {
		t.Errorf("second Delete(10.0.0.0/8) = true, want false")
	}
	if got := tab.Fetch("10.1.1.1"); got != nil {
		t.Errorf("Fetch after Delete = %v, want nil", got)
	}
	six := MustNew2("2001:db8::/32")
	tab.Store(six)
	if !tab.Delete(MustNew2("2001:db8::/32")) || tab.Fetch("2001:db8::1") != nil || tab.Len() != 0 {
		t.Errorf("Delete of an IPv6 block left Fetch = %v, Len = %d", tab.Fetch("2001:db8::1"), tab.Len())
	}
}

func TestTableBlocks(t *testing.T) {
	var tab Table
	in := []string{"2001:db8::/32", "10.0.0.0/16", "any6", "10.0.0.0/8", "any", "9.0.0.0/8"}
	for _, s := range in {
		tab.Store(MustNew2(s))
	}
	var got []string
	for _, nm := range tab.Blocks() {
		got = append(got, nm.String())
	}
	want := []string{"0.0.0.0/0", "9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "::/0", "2001:db8::/32"}
	if !slices.Equal(got, want) {
		t.Errorf("Blocks() = %v, want %v", got, want)
	}
}

// TestTableAgainstLinearScan compares Fetch with a scan of every block for
// the longest one that matches, over random nested blocks.
func TestTableAgainstLinearScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tab Table
	var all []*Netmask
	seen := make(map[netip.Prefix]bool)
	for range 3000 {
		nm := randomBlock(rng)
		tab.Store(nm)
		if !seen[nm.Prefix()] {
			seen[nm.Prefix()] = true
			all = append(all, nm)
		}
	}
	// Delete a third of them, from both.
	kept := all[:0]
	for _, nm := range all {
		if rng.IntN(3) == 0 {
			tab.Delete(nm)
			continue
		}
		kept = append(kept, nm)
	}
	for range 5000 {
		a := randomAddrNear(rng, kept)
		var want *Netmask
		for _, nm := range kept {
			if nm.MatchAddr(a) && (want == nil || nm.Bits() > want.Bits()) {
				want = nm
			}
		}
		got := tab.FetchAddr(a)
		if (got == nil) != (want == nil) || (got != nil && !got.Equal(want)) {
			t.Fatalf("FetchAddr(%v) = %v, want %v", a, got, want)
		}
	}
}

// TestTableRandomOps stores and deletes blocks from a small set, so that
// the same blocks come and go, and checks Len, Blocks, Fetch and the trie's
// shape against a plain map after each step.
func TestTableRandomOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	universe := make([]*Netmask, 0, 300)
	for range 200 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], 0x0a000000|rng.Uint32()&0x000f0000|rng.Uint32()&0x3)
		universe = append(universe, FromPrefix(netip.PrefixFrom(netip.AddrFrom4(b), 8+rng.IntN(25))))
	}
	for range 100 {
		universe = append(universe, randomBlock(rng))
	}
	var tab Table
	ref := make(map[netip.Prefix]*Netmask)
	for step := range 4000 {
		nm := universe[rng.IntN(len(universe))]
		if rng.IntN(2) == 0 {
			tab.Store(nm)
			ref[nm.Prefix()] = nm
		} else {
			_, had := ref[nm.Prefix()]
			if got := tab.Delete(nm); got != had {
				t.Fatalf("step %d: Delete(%s) = %v, want %v", step, nm, got, had)
			}
			delete(ref, nm.Prefix())
		}
		if tab.Len() != len(ref) {
			t.Fatalf("step %d: Len() = %d, want %d", step, tab.Len(), len(ref))
		}
		checkTrie(t, tab.v4, 32)
		checkTrie(t, tab.v6, 128)
		var want []*Netmask
		for _, nm := range ref {
			want = append(want, nm)
		}
		slices.SortFunc(want, (*Netmask).Compare)
		if got := tab.Blocks(); !slices.EqualFunc(got, want, (*Netmask).Equal) {
			t.Fatalf("step %d: Blocks() = %v, want %v", step, got, want)
		}
		if len(want) == 0 {
			continue
		}
		for range 5 {
			a := randomAddrNear(rng, want)
			var best *Netmask
			for _, nm := range want {
				if nm.MatchAddr(a) && (best == nil || nm.Bits() > best.Bits()) {
					best = nm
				}
			}
			if got := tab.FetchAddr(a); got != best {
				t.Fatalf("step %d: FetchAddr(%v) = %v, want %v", step, a, got, best)
			}
		}
	}
}

// checkTrie checks the trie's invariants: every child extends its parent's
// key, sits on the side its next bit says, and glue nodes have two children.
func checkTrie(t *testing.T, n *node, max int) {
	t.Helper()
	if n == nil {
		return
	}
	if n.bits > max || n.key.masked(n.bits) != n.key {
		t.Fatalf("trie node %v/%d is not a masked prefix", n.key, n.bits)
	}
	if n.nm == nil && (n.child[0] == nil || n.child[1] == nil) {
		t.Fatalf("glue node %v/%d has fewer than two children", n.key, n.bits)
	}
	for i, c := range n.child {
		if c == nil {
			continue
		}
		if c.bits <= n.bits || c.key.masked(n.bits) != n.key || c.key.bit(n.bits) != i {
			t.Fatalf("node %v/%d under %v/%d on side %d", c.key, c.bits, n.key, n.bits, i)
		}
		checkTrie(t, c, max)
	}
}

func TestTableConcurrent(t *testing.T) {
	var tab Table
	tab.Store(MustNew2("any"))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				nm := tab.Fetch("192.168.1.7")
				if nm == nil {
					t.Error("Fetch(192.168.1.7) = nil with 0.0.0.0/0 stored")
					return
				}
				_ = tab.Blocks()
			}
		})
	}
	for i := range 2000 {
		nm := MustNew2("192.168." + strconv.Itoa(i%256) + ".0/24")
		tab.Store(nm)
		if i%3 == 0 {
			tab.Delete(nm)
		}
	}
	close(stop)
	wg.Wait()
}

func randomBlock(rng *rand.Rand) *Netmask {
	if rng.IntN(4) == 0 {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], 0x20010db800000000|rng.Uint64()&0xffff_ffff)
		binary.BigEndian.PutUint64(b[8:], rng.Uint64())
		return FromPrefix(netip.PrefixFrom(netip.AddrFrom16(b), 32+rng.IntN(97)))
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], 0x0a000000|rng.Uint32()&0x00ffffff)
	return FromPrefix(netip.PrefixFrom(netip.AddrFrom4(b), 8+rng.IntN(25)))
}

// randomAddrNear returns an address inside or just outside a random block.
func randomAddrNear(rng *rand.Rand, blocks []*Netmask) netip.Addr {
	nm := blocks[rng.IntN(len(blocks))]
	a := nm.Prefix().Addr()
	if a.Is4() {
		b := a.As4()
		x := binary.BigEndian.Uint32(b[:]) + uint32(rng.IntN(1<<uint(32-nm.Bits())+2))
		binary.BigEndian.PutUint32(b[:], x-1)
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	lo := binary.BigEndian.Uint64(b[8:])
	binary.BigEndian.PutUint64(b[8:], lo+rng.Uint64N(1<<20)-1)
	return netip.AddrFrom16(b)
}

// benchTable returns a table of n random IPv4 blocks of lengths 8 to 32,
// and addresses to look up in it, half inside some block.
func benchTable(n int) (*Table, []netip.Addr) {
	rng := rand.New(rand.NewPCG(3, 4))
	tab := new(Table)
	blocks := make([]*Netmask, 0, n)
	for range n {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], rng.Uint32())
		nm := FromPrefix(netip.PrefixFrom(netip.AddrFrom4(b), 8+rng.IntN(25)))
		tab.Store(nm)
		blocks = append(blocks, nm)
	}
	addrs := make([]netip.Addr, 1024)
	for i := range addrs {
		if i%2 == 0 {
			addrs[i] = randomAddrNear(rng, blocks)
			continue
		}
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], rng.Uint32())
		addrs[i] = netip.AddrFrom4(b)
	}
	return tab, addrs
}

func BenchmarkTableFetch(b *testing.B) {
	tab, addrs := benchTable(100_000)
	texts := make([]string, len(addrs))
	for i, a := range addrs {
		texts[i] = a.String()
	}
	b.Run("Addr", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tab.FetchAddr(addrs[i%len(addrs)])
			i++
		}
	})
	b.Run("String", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tab.Fetch(texts[i%len(texts)])
			i++
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				tab.FetchAddr(addrs[i%len(addrs)])
				i++
			}
		})
	})
	six := new(Table)
	rng := rand.New(rand.NewPCG(5, 6))
	var sixBlocks []*Netmask
	for range 100_000 {
		nm := randomBlock(rng)
		for nm.Protocol() != "IPv6" {
			nm = randomBlock(rng)
		}
		six.Store(nm)
		sixBlocks = append(sixBlocks, nm)
	}
	sixAddrs := make([]netip.Addr, 1024)
	for i := range sixAddrs {
		sixAddrs[i] = randomAddrNear(rng, sixBlocks)
	}
	b.Run("IPv6", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			six.FetchAddr(sixAddrs[i%len(sixAddrs)])
			i++
		}
	})
}

func BenchmarkTableStore(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	blocks := make([]*Netmask, 100_000)
	for i := range blocks {
		blocks[i] = randomBlock(rng)
	}
	b.ReportAllocs()
	for b.Loop() {
		var tab Table
		for _, nm := range blocks {
			tab.Store(nm)
		}
	}
}
