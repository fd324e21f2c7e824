package netmask

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"slices"
	"sync"
)

// Table is a set of blocks looked up by address, longest prefix first: the
// table that Net::Netmask's storeNetblock, findNetblock and deleteNetblock
// keep (the hash passed as their second argument, or the module's own).
//
// The zero Table is empty and ready to use. A Table is safe for concurrent
// use: any number of goroutines may Fetch while others Store and Delete, as
// when the connections of a server read its access list while a user adds
// a denial. A Table must not be copied after first use.
type Table struct {
	mu sync.RWMutex
	// v4[b] holds the IPv4 blocks of prefix length b by base address.
	v4 [33]map[uint32]*Netmask
	// v6[b] holds the IPv6 blocks of prefix length b by base address.
	v6 [129]map[v6Key]*Netmask
	// v4Lens and v6Lens have bit b set while v4[b] or v6[b] is not empty,
	// so that a lookup tries only the lengths in use.
	v4Lens uint64
	v6Lens [3]uint64
	n      int
}

type v6Key struct{ hi, lo uint64 }

func v6KeyOf(a netip.Addr) v6Key {
	b := a.As16()
	return v6Key{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func v4KeyOf(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

// Store adds nm to the table, replacing a block with the same base and
// bits: Net::Netmask's storeNetblock. A nil nm is ignored.
func (t *Table) Store(nm *Netmask) {
	if nm == nil {
		return
	}
	a, b := nm.p.Addr(), nm.p.Bits()
	t.mu.Lock()
	defer t.mu.Unlock()
	if a.Is4() {
		if t.v4[b] == nil {
			t.v4[b] = make(map[uint32]*Netmask)
		}
		k := v4KeyOf(a)
		if _, ok := t.v4[b][k]; !ok {
			t.n++
		}
		t.v4[b][k] = nm
		t.v4Lens |= 1 << b
		return
	}
	if t.v6[b] == nil {
		t.v6[b] = make(map[v6Key]*Netmask)
	}
	k := v6KeyOf(a)
	if _, ok := t.v6[b][k]; !ok {
		t.n++
	}
	t.v6[b][k] = nm
	t.v6Lens[b/64] |= 1 << (b % 64)
}

// Delete removes the block with nm's base and bits, if the table holds one,
// and reports whether it did: Net::Netmask's deleteNetblock.
func (t *Table) Delete(nm *Netmask) bool {
	if nm == nil {
		return false
	}
	a, b := nm.p.Addr(), nm.p.Bits()
	t.mu.Lock()
	defer t.mu.Unlock()
	if a.Is4() {
		k := v4KeyOf(a)
		if _, ok := t.v4[b][k]; !ok {
			return false
		}
		delete(t.v4[b], k)
		if len(t.v4[b]) == 0 {
			t.v4[b] = nil
			t.v4Lens &^= 1 << b
		}
		t.n--
		return true
	}
	k := v6KeyOf(a)
	if _, ok := t.v6[b][k]; !ok {
		return false
	}
	delete(t.v6[b], k)
	if len(t.v6[b]) == 0 {
		t.v6[b] = nil
		t.v6Lens[b/64] &^= 1 << (b % 64)
	}
	t.n--
	return true
}

// Fetch returns the most specific block in the table that contains the
// address addr, or nil if none does or addr is not an address:
// Net::Netmask's findNetblock.
func (t *Table) Fetch(addr string) *Netmask {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return nil
	}
	return t.FetchAddr(a)
}

// FetchAddr is Fetch for a parsed address. A zone on a is ignored. IPv4
// addresses find only IPv4 blocks and IPv6 addresses (IPv4-mapped ones
// included) only IPv6 blocks.
func (t *Table) FetchAddr(a netip.Addr) *Netmask {
	t.mu.RLock()
	defer t.mu.RUnlock()
	switch {
	case a.Is4():
		x := v4KeyOf(a)
		for lens := t.v4Lens; lens != 0; {
			b := 63 - bits.LeadingZeros64(lens)
			lens &^= 1 << b
			if nm, ok := t.v4[b][x&v4Mask(b)]; ok {
				return nm
			}
		}
	case a.Is6():
		x := v6KeyOf(a)
		for w := 2; w >= 0; w-- {
			for lens := t.v6Lens[w]; lens != 0; {
				i := 63 - bits.LeadingZeros64(lens)
				lens &^= 1 << i
				b := w*64 + i
				hi, lo := v6Mask(b)
				if nm, ok := t.v6[b][v6Key{x.hi & hi, x.lo & lo}]; ok {
					return nm
				}
			}
		}
	}
	return nil
}

// Blocks returns the blocks in the table, sorted as Compare sorts them:
// Net::Netmask's dumpNetworkTable. The caller owns the slice.
func (t *Table) Blocks() []*Netmask {
	t.mu.RLock()
	out := make([]*Netmask, 0, t.n)
	for _, m := range t.v4 {
		for _, nm := range m {
			out = append(out, nm)
		}
	}
	for _, m := range t.v6 {
		for _, nm := range m {
			out = append(out, nm)
		}
	}
	t.mu.RUnlock()
	slices.SortFunc(out, (*Netmask).Compare)
	return out
}

// Len returns the number of blocks in the table.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.n
}
