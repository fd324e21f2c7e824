package dropper

import (
	"math"
	"net/netip"
)

// peer is a (ip, port) pair, the unit attempts are summed over.
type peer struct {
	ip   netip.Addr
	port int
}

// bucket is the count of one second.
type bucket struct {
	time, count int64
}

// peerState holds a peer's counters and their sum, so that a decision
// costs one map lookup rather than a sum over the seconds.
type peerState struct {
	sum     int64
	buckets []bucket // usually in time order, the newest last
}

// heapEntry names one counter in table.byTime.
type heapEntry struct {
	p    peer
	time int64
}

// table is the attempt table with its indexes. It is not safe for
// concurrent use; ByIPPort guards it with its mutex.
type table struct {
	peers map[peer]*peerState
	n     int // counters (buckets) held
	port0 int // peers with port 0, so that most decisions skip that lookup
	max   int
	// byTime is a min-heap of the counters, by time, so that expiry and
	// eviction take the oldest counters without scanning the table. It may
	// name counters that were removed by set; they are skipped when popped
	// and compacted away when they pile up.
	byTime []heapEntry
	dirty  bool // changed since last cleared by SaveDB
	// free keeps states of forgotten peers for new ones, so that a flood
	// of new peers does not allocate for each.
	free []*peerState
}

const maxFree = 1024

func newTable(maxEntries int) *table {
	return &table{peers: make(map[peer]*peerState), max: maxEntries}
}

// find returns the index of the bucket of second t, or -1. Run looks for
// the newest bucket and expiry for the oldest, so both ends are tried
// first; only buckets out of time order (a clock set back, Set) cost a scan.
func (ps *peerState) find(t int64) int {
	if len(ps.buckets) > 0 && ps.buckets[0].time == t {
		return 0
	}
	for i := len(ps.buckets) - 1; i > 0; i-- {
		if ps.buckets[i].time == t {
			return i
		}
	}
	return -1
}

// add adds n (positive) attempts to the counter of p at second t, creating
// it, and making room for it by forgetting the oldest counter, when needed.
// It returns p's sum afterwards.
func (tb *table) add(p peer, t, n int64) int64 {
	ps := tb.peers[p]
	if ps != nil {
		if i := ps.find(t); i >= 0 {
			b := &ps.buckets[i]
			nc := min(b.count+n, MaxCount)
			ps.sum += nc - b.count
			b.count = nc
			tb.dirty = true
			return ps.sum
		}
	}
	if tb.n >= tb.max {
		if !tb.makeRoom(t) {
			// The new counter is the oldest: it is the one forgotten.
			if ps = tb.peers[p]; ps != nil {
				return ps.sum
			}
			return 0
		}
		ps = tb.peers[p] // eviction may have removed p's last counter
	}
	if ps == nil {
		if k := len(tb.free); k > 0 {
			ps = tb.free[k-1]
			tb.free[k-1] = nil
			tb.free = tb.free[:k-1]
		} else {
			ps = &peerState{}
		}
		tb.peers[p] = ps
		if p.port == 0 {
			tb.port0++
		}
	}
	n = min(n, MaxCount)
	ps.buckets = append(ps.buckets, bucket{time: t, count: n})
	ps.sum += n
	tb.n++
	tb.push(heapEntry{p: p, time: t})
	tb.dirty = true
	return ps.sum
}

// makeRoom forgets oldest counters until one more fits, unless a counter at
// second t would itself be the oldest. It reports whether there is room.
func (tb *table) makeRoom(t int64) bool {
	for tb.n >= tb.max {
		for len(tb.byTime) > 0 && !tb.live(tb.byTime[0]) {
			tb.pop()
		}
		if len(tb.byTime) == 0 || t < tb.byTime[0].time {
			return false
		}
		tb.popOldest(math.MaxInt64)
	}
	return true
}

// set sets the counter of p at t to count (1..MaxCount), or removes it
// when count is 0.
func (tb *table) set(p peer, t, count int64) {
	ps := tb.peers[p]
	i := -1
	if ps != nil {
		i = ps.find(t)
	}
	switch {
	case i >= 0 && count == 0:
		tb.remove(p, ps, i)
		tb.maybeCompact()
	case i >= 0:
		ps.sum += count - ps.buckets[i].count
		ps.buckets[i].count = count
		tb.dirty = true
	case count != 0:
		tb.add(p, t, count)
	}
}

// sum returns the attempts of p within the table.
func (tb *table) sum(p peer) int64 {
	if ps := tb.peers[p]; ps != nil {
		return ps.sum
	}
	return 0
}

func (tb *table) remove(p peer, ps *peerState, i int) {
	ps.sum -= ps.buckets[i].count
	if i == 0 && len(ps.buckets) > 8 {
		// Expiry removes the oldest, usually the first; a long list is
		// resliced rather than copied.
		ps.buckets[0] = bucket{}
		ps.buckets = ps.buckets[1:]
	} else {
		// A short list is copied down so that the next append reuses it.
		ps.buckets = append(ps.buckets[:i], ps.buckets[i+1:]...)
	}
	tb.n--
	if len(ps.buckets) == 0 {
		delete(tb.peers, p)
		if p.port == 0 {
			tb.port0--
		}
		if len(tb.free) < maxFree && cap(ps.buckets) <= 8 {
			ps.sum = 0
			tb.free = append(tb.free, ps)
		}
	}
	tb.dirty = true
}

func (tb *table) live(e heapEntry) bool {
	ps := tb.peers[e.p]
	return ps != nil && ps.find(e.time) >= 0
}

// expire forgets the counters of seconds at or before now - interval, the
// original's `$time <= time() - $interval`.
func (tb *table) expire(now, interval int64) {
	maxTime := int64(math.MinInt64)
	if now > math.MinInt64+interval {
		maxTime = now - interval
	}
	for len(tb.byTime) > 0 && tb.byTime[0].time <= maxTime {
		tb.popOldest(maxTime)
	}
}

// popOldest removes the oldest counter if its time is at most maxTime,
// skipping heap entries of counters already removed. It reports whether a
// counter was removed.
func (tb *table) popOldest(maxTime int64) bool {
	for len(tb.byTime) > 0 && tb.byTime[0].time <= maxTime {
		e := tb.pop()
		if ps := tb.peers[e.p]; ps != nil {
			if i := ps.find(e.time); i >= 0 {
				tb.remove(e.p, ps, i)
				return true
			}
		}
	}
	return false
}

// maybeCompact rebuilds the heap when removed counters make up most of it,
// so that repeated set calls cannot grow it without limit.
func (tb *table) maybeCompact() {
	if len(tb.byTime) <= 2*tb.n+1024 {
		return
	}
	tb.byTime = tb.byTime[:0]
	for p, ps := range tb.peers {
		for _, b := range ps.buckets {
			tb.byTime = append(tb.byTime, heapEntry{p: p, time: b.time})
		}
	}
	for i := len(tb.byTime)/2 - 1; i >= 0; i-- {
		tb.down(i)
	}
}

// entry is one counter, as copied out of the table.
type entry struct {
	key   Key
	count int
}

// entries copies the counters out; a slice is quicker to build than a
// Table, which matters because Run waits while it is built.
func (tb *table) entries() []entry {
	es := make([]entry, 0, tb.n)
	for p, ps := range tb.peers {
		for _, b := range ps.buckets {
			es = append(es, entry{Key{IP: p.ip, Port: p.port, Time: b.time}, int(b.count)})
		}
	}
	return es
}

func (tb *table) snapshot() Table { return toTable(tb.entries()) }

func toTable(es []entry) Table {
	t := make(Table, len(es))
	for _, e := range es {
		t[e.key] = e.count
	}
	return t
}

// The heap is written out rather than taken from container/heap to keep
// Run free of interface calls and allocations.

func (tb *table) push(e heapEntry) {
	h := append(tb.byTime, e)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent].time <= h[i].time {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
	tb.byTime = h
}

func (tb *table) pop() heapEntry {
	h := tb.byTime
	e := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = heapEntry{}
	tb.byTime = h[:last]
	tb.down(0)
	return e
}

func (tb *table) down(i int) {
	h := tb.byTime
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		small := l
		if r := l + 1; r < len(h) && h[r].time < h[l].time {
			small = r
		}
		if h[i].time <= h[small].time {
			return
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
}
