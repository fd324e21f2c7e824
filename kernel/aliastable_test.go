package kernel

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// The alias table against a Go map, through inserts, lookups and deletes
// that grow it, shrink it and leave probe chains to mend. The sessions
// keep their own lists of aliases, as AliasSet and AliasRemove do, since
// the table checks names against them.
func TestAliasTableMatchesMap(t *testing.T) {
	var ids idTable
	tab := aliasTable{ids: &ids}
	want := map[string]*Session{}
	sessions := make([]*Session, 16)
	for i := range sessions {
		sessions[i] = &Session{id: i + 1}
		ids.set(i+1, sessions[i])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for step := 0; step < 200000; step++ {
		// Few names, so that names come back after their delete.
		name := "n" + strconv.Itoa(rng.IntN(3000))
		switch op := rng.IntN(10); {
		case op < 5:
			s := sessions[rng.IntN(len(sessions))]
			owner, added := tab.insert(name, s)
			prev, had := want[name]
			if had {
				if owner != prev || added {
					t.Fatalf("step %d: insert(%s) = %v, %v; it was held by %v", step, name, owner.id, added, prev.id)
				}
			} else {
				if owner != s || !added {
					t.Fatalf("step %d: insert(%s) of a free name = %v, %v", step, name, owner.id, added)
				}
				s.addAlias(name)
				want[name] = s
			}
		case op < 8:
			owner := want[name]
			other := sessions[rng.IntN(len(sessions))]
			if other != owner && tab.delete(name, other) {
				t.Fatalf("step %d: delete(%s) by a session that does not hold it succeeded", step, name)
			}
			if owner == nil {
				continue
			}
			if !tab.delete(name, owner) {
				t.Fatalf("step %d: delete(%s) by its holder failed", step, name)
			}
			owner.removeAlias(name)
			delete(want, name)
		default:
			if got := tab.get(name); got != want[name] {
				t.Fatalf("step %d: get(%s) = %v, want %v", step, name, got, want[name])
			}
		}
		if tab.n != len(want) {
			t.Fatalf("step %d: %d entries, want %d", step, tab.n, len(want))
		}
	}
	for name, s := range want {
		if tab.get(name) != s {
			t.Fatalf("get(%s) wrong at the end", name)
		}
		tab.delete(name, s)
		s.removeAlias(name)
	}
	if tab.n != 0 || len(tab.slots) != aliasMinSlots {
		t.Fatalf("emptied table: %d entries in %d slots", tab.n, len(tab.slots))
	}
	if tab.get("n1") != nil || tab.delete("n1", sessions[0]) {
		t.Fatal("empty table finds n1")
	}
}

// A slot whose session has stopped (its ID gone from the table) names
// nobody, and a name whose hash matches another's is told apart by the
// sessions' own aliases.
func TestAliasTableChecksNames(t *testing.T) {
	var ids idTable
	tab := aliasTable{ids: &ids}
	a, b := &Session{id: 1}, &Session{id: 2}
	ids.set(1, a)
	ids.set(2, b)
	for _, x := range []struct {
		s    *Session
		name string
	}{{a, "x"}, {b, "y"}} {
		if _, added := tab.insert(x.name, x.s); !added {
			t.Fatalf("insert(%s) failed", x.name)
		}
		x.s.addAlias(x.name)
	}
	// Force y's slot to carry x's hash, as a collision would.
	hx, hy := tab.hash("x"), tab.hash("y")
	for i := range tab.slots {
		if tab.slots[i].hash == hy {
			tab.slots[i].hash = hx
		}
	}
	if got := tab.get("x"); got != a {
		t.Fatalf("get(x) = %v, want session 1", got)
	}
	ids.delete(1)
	if got := tab.get("x"); got != nil {
		t.Fatalf("get(x) after its session left the ID table = %v, want nil", got)
	}
}

// The ID table frees the pages of stopped sessions and drops the
// directory's front, so that it holds only what live sessions need.
func TestIDTablePages(t *testing.T) {
	var ids idTable
	kses := &Session{}
	ids.set(0, kses)
	const n = 5 << idPageBits
	all := make([]*Session, n+1)
	for id := 1; id <= n; id++ {
		all[id] = &Session{id: id}
		ids.set(id, all[id])
	}
	for id := 1; id <= n; id++ {
		if ids.get(id) != all[id] {
			t.Fatalf("get(%d) is wrong", id)
		}
	}
	// Stop the first three pages' sessions, and all but one of the
	// fourth's.
	for id := 1; id < 4<<idPageBits-1; id++ {
		ids.delete(id)
	}
	if ids.base != 3 || len(ids.pages) != 3 {
		t.Fatalf("directory starts at page %d with %d pages, want 3 and 3", ids.base, len(ids.pages))
	}
	if ids.get(0) != kses || ids.get(1) != nil || ids.get(4<<idPageBits-1) != all[4<<idPageBits-1] {
		t.Fatal("lookups wrong after the front pages went")
	}
	if ids.get(-1) != nil || ids.get(n+1) != nil || ids.get(1<<40) != nil {
		t.Fatal("an ID never handed out is found")
	}
	ids.delete(4<<idPageBits - 1)
	if ids.base != 4 || ids.get(n) != all[n] {
		t.Fatalf("directory starts at page %d, want 4", ids.base)
	}
	id := n + 1
	ids.set(id, &Session{id: id})
	if ids.get(id) == nil || ids.get(0) != kses {
		t.Fatal("a new ID after the trim is not found")
	}
}
