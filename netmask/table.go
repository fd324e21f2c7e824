package netmask

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
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
	// v4 and v6 are path-compressed binary tries; an IPv4 block's key
	// holds its address in the top 32 bits.
	v4, v6 *node
	n      int
}

// node is a trie node: the block key/bits, which nm is stored as, or a
// glue node (nm nil) where two subtrees part. A glue node always has two
// children; child[i] holds keys whose bit number bits is i.
type node struct {
	key   u128
	bits  int
	nm    *Netmask
	child [2]*node
}

type u128 struct{ hi, lo uint64 }

func (k u128) masked(b int) u128 {
	hi, lo := v6Mask(b)
	return u128{k.hi & hi, k.lo & lo}
}

// bit returns bit number i of k, counting from the most significant.
func (k u128) bit(i int) int {
	if i < 64 {
		return int(k.hi>>(63-i)) & 1
	}
	return int(k.lo>>(127-i)) & 1
}

// common returns the length of the prefix k and o share.
func (k u128) common(o u128) int {
	if x := k.hi ^ o.hi; x != 0 {
		return bits.LeadingZeros64(x)
	}
	return 64 + bits.LeadingZeros64(k.lo^o.lo)
}

// keyOf returns a's trie key and the root that keys of its family live in.
func (t *Table) keyOf(a netip.Addr) (u128, **node) {
	if a.Is4() {
		b := a.As4()
		return u128{hi: uint64(binary.BigEndian.Uint32(b[:])) << 32}, &t.v4
	}
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}, &t.v6
}

// Store adds nm to the table, replacing a block with the same base and
// bits: Net::Netmask's storeNetblock. A nil nm is ignored.
func (t *Table) Store(nm *Netmask) {
	if nm == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	key, p := t.keyOf(nm.p.Addr())
	b := nm.p.Bits()
	for {
		n := *p
		if n == nil {
			*p = &node{key: key, bits: b, nm: nm}
			t.n++
			return
		}
		c := min(key.common(n.key), b, n.bits)
		switch {
		case c == n.bits && c == b:
			if n.nm == nil {
				t.n++
			}
			n.nm = nm
			return
		case c == n.bits:
			p = &n.child[key.bit(c)]
			continue
		case c == b:
			// The new block holds n: it goes above.
			nn := &node{key: key, bits: b, nm: nm}
			nn.child[n.key.bit(b)] = n
			*p = nn
		default:
			// They part at bit c: a glue node there.
			g := &node{key: key.masked(c), bits: c}
			g.child[key.bit(c)] = &node{key: key, bits: b, nm: nm}
			g.child[n.key.bit(c)] = n
			*p = g
		}
		t.n++
		return
	}
}

// Delete removes the block with nm's base and bits, if the table holds one,
// and reports whether it did: Net::Netmask's deleteNetblock.
func (t *Table) Delete(nm *Netmask) bool {
	if nm == nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	key, p := t.keyOf(nm.p.Addr())
	b := nm.p.Bits()
	var parent **node // the slot that holds the node that holds p
	for {
		n := *p
		if n == nil || n.bits > b || key.masked(n.bits) != n.key {
			return false
		}
		if n.bits < b {
			parent, p = p, &n.child[key.bit(n.bits)]
			continue
		}
		if n.nm == nil {
			return false
		}
		t.n--
		n.nm = nil
		switch {
		case n.child[0] != nil && n.child[1] != nil:
			// n stays as glue.
		case n.child[0] != nil:
			*p = n.child[0]
		case n.child[1] != nil:
			*p = n.child[1]
		default:
			*p = nil
			// A glue parent left with one child is no longer needed.
			if parent != nil && (*parent).nm == nil {
				g := *parent
				if g.child[0] != nil {
					*parent = g.child[0]
				} else {
					*parent = g.child[1]
				}
			}
		}
		return true
	}
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
// included) only IPv6 blocks; the zero Addr finds nothing.
func (t *Table) FetchAddr(a netip.Addr) *Netmask {
	if !a.IsValid() {
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	key, p := t.keyOf(a)
	max := a.BitLen()
	var best *Netmask
	for n := *p; n != nil && key.masked(n.bits) == n.key; {
		if n.nm != nil {
			best = n.nm
		}
		if n.bits == max {
			break
		}
		n = n.child[key.bit(n.bits)]
	}
	return best
}

// Blocks returns the blocks in the table, sorted as Compare sorts them:
// Net::Netmask's dumpNetworkTable. The caller owns the slice.
func (t *Table) Blocks() []*Netmask {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]*Netmask, 0, t.n)
	// A pre-order walk, child 0 first, visits blocks by base address and,
	// for equal bases, shorter prefixes first: Compare's order.
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		if n.nm != nil {
			out = append(out, n.nm)
		}
		walk(n.child[0])
		walk(n.child[1])
	}
	walk(t.v4)
	walk(t.v6)
	return out
}

// Len returns the number of blocks in the table.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.n
}
