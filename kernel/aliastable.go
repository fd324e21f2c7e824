package kernel

import (
	"hash/maphash"
	"slices"
)

// aliasTable maps alias names to sessions. It is an open-addressing table
// with linear probing whose slots hold a name's hash and its session's ID,
// and no pointers: the garbage collector never scans it, and a slot is 16
// bytes. A lookup whose hash matches finds the session by ID and checks
// the name against the session's own aliases, so the table keeps no name.
// Growing it moves the slots without reading the names again. A Go map
// rehashes every key as it grows, and with a million aliases each rehash
// is a cache miss on the key's bytes; that was most of the cost of
// creating a session that holds an alias. Guarded, with ids, by core.nmu.
type aliasTable struct {
	ids   *idTable // where the slots' IDs are found
	seed  maphash.Seed
	slots []aliasSlot // a power of two long, or empty
	n     int
}

type aliasSlot struct {
	hash uint64 // 0 marks an empty slot; hashes are never 0
	id   int
}

const aliasMinSlots = 8

func (t *aliasTable) hash(name string) uint64 {
	if h := maphash.String(t.seed, name); h != 0 {
		return h
	}
	return 1
}

// holder returns the session of sl when it holds name.
func (t *aliasTable) holder(sl *aliasSlot, name string) *Session {
	if s := t.ids.get(sl.id); s != nil && s.hasAlias(name) {
		return s
	}
	return nil
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
		if sl.hash == h {
			if s := t.holder(sl, name); s != nil {
				return s
			}
		}
	}
}

// insert gives name to s unless a session holds it already. It returns
// the session that holds it afterwards and whether insert gave it. The
// caller then adds name to s's aliases.
func (t *aliasTable) insert(name string, s *Session) (*Session, bool) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.resize(max(aliasMinSlots, 2*len(t.slots)))
	}
	h := t.hash(name)
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.hash == 0 {
			*sl = aliasSlot{hash: h, id: s.id}
			t.n++
			return s, true
		}
		if sl.hash == h {
			if o := t.holder(sl, name); o != nil {
				return o, false
			}
		}
	}
}

// delete removes name, held by s, and says whether it was there. The
// slots after it that probed past it move back, so no tombstones are
// left. s's own list of aliases is the caller's to change, before or
// after.
func (t *aliasTable) delete(name string, s *Session) bool {
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
		if sl.hash == h && sl.id == s.id {
			// A session holds a name once, so its ID and the
			// name's hash find the name's slot.
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

// hasAlias says whether name is one of s's aliases. nmu must be held.
func (s *Session) hasAlias(name string) bool {
	return s.alias == name || (s.alias != "" && slices.Contains(s.ex().aliases, name))
}
