package kernel

import "hash/maphash"

// aliasTable maps alias names to sessions. It is an open-addressing table
// with linear probing that keeps each name's hash in its slot: growing it
// moves the slots without reading the names again. A Go map rehashes every
// key as it grows, and with a million aliases each rehash is a cache miss
// on the key's bytes; that was most of the cost of creating a session
// that holds an alias.
type aliasTable struct {
	seed  maphash.Seed
	slots []aliasSlot // a power of two long, or empty
	n     int
}

type aliasSlot struct {
	hash uint64 // 0 marks an empty slot; hashes are never 0
	name string
	s    *Session
}

const aliasMinSlots = 8

func (t *aliasTable) hash(name string) uint64 {
	if h := maphash.String(t.seed, name); h != 0 {
		return h
	}
	return 1
}

// get returns the session that holds name, or nil.
func (t *aliasTable) get(name string) *Session {
	if t.n == 0 {
		return nil
	}
	h := t.hash(name)
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.hash == 0 {
			return nil
		}
		if sl.hash == h && sl.name == name {
			return sl.s
		}
	}
}

// insert gives name to s unless a session holds it already. It returns
// the session that holds it afterwards and whether insert gave it.
func (t *aliasTable) insert(name string, s *Session) (*Session, bool) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.resize(max(aliasMinSlots, 2*len(t.slots)))
	}
	h := t.hash(name)
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.hash == 0 {
			*sl = aliasSlot{hash: h, name: name, s: s}
			t.n++
			return s, true
		}
		if sl.hash == h && sl.name == name {
			return sl.s, false
		}
	}
}

// delete removes name and says whether it was there. The slots after it
// that probed past it move back, so no tombstones are left.
func (t *aliasTable) delete(name string) bool {
	if t.n == 0 {
		return false
	}
	h := t.hash(name)
	mask := len(t.slots) - 1
	i := int(h) & mask
	for {
		sl := &t.slots[i]
		if sl.hash == 0 {
			return false
		}
		if sl.hash == h && sl.name == name {
			break
		}
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; t.slots[j].hash != 0; j = (j + 1) & mask {
		// The entry at j may fill the hole at i unless its home slot
		// lies cyclically in (i, j].
		home := int(t.slots[j].hash) & mask
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = aliasSlot{}
	t.n--
	if len(t.slots) > aliasMinSlots && t.n*8 < len(t.slots) {
		t.resize(len(t.slots) / 2)
	}
	return true
}

func (t *aliasTable) resize(size int) {
	old := t.slots
	if old == nil {
		t.seed = maphash.MakeSeed()
	}
	t.slots = make([]aliasSlot, size)
	mask := size - 1
	for k := range old {
		sl := &old[k]
		if sl.hash == 0 {
			continue
		}
		i := int(sl.hash) & mask
		for t.slots[i].hash != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = *sl
	}
}
