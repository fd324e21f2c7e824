package kernel

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// The alias table against a Go map, through inserts, lookups and deletes
// that grow it, shrink it and leave probe chains to mend.
func TestAliasTableMatchesMap(t *testing.T) {
	var tab aliasTable
	want := map[string]*Session{}
	sessions := make([]*Session, 16)
	for i := range sessions {
		sessions[i] = &Session{id: i}
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
				want[name] = s
			}
		case op < 8:
			if got := tab.delete(name); got != (want[name] != nil) {
				t.Fatalf("step %d: delete(%s) = %v", step, name, got)
			}
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
		tab.delete(name)
	}
	if tab.n != 0 || len(tab.slots) != aliasMinSlots {
		t.Fatalf("emptied table: %d entries in %d slots", tab.n, len(tab.slots))
	}
	if tab.get("n1") != nil || tab.delete("n1") {
		t.Fatal("empty table finds n1")
	}
}
