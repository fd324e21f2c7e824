package kernel

// idTable maps session IDs to sessions. IDs are handed out in order and
// never reused, so a table of fixed-size pages indexed by ID beats a hash
// map: a lookup is two indexations. A page is freed when its last session
// stops, and the pages before the oldest live one are dropped from the
// directory, so a server that has run a billion sessions holds only the
// pages of the live ones, and the directory from the oldest live page on.
// Guarded by core.nmu.
type idTable struct {
	kernel *Session  // ID 0, which never stops: kept apart so that its page can go
	base   int       // the page number of pages[0]
	pages  []*idPage // nil for a page whose sessions have all stopped
}

const idPageBits = 10

type idPage struct {
	s    [1 << idPageBits]*Session
	live int
}

func (t *idTable) get(id int) *Session {
	if id == 0 {
		return t.kernel
	}
	i := id>>idPageBits - t.base
	if id < 0 || i < 0 || i >= len(t.pages) {
		return nil
	}
	p := t.pages[i]
	if p == nil {
		return nil
	}
	return p.s[id&(1<<idPageBits-1)]
}

func (t *idTable) set(id int, s *Session) {
	if id == 0 {
		t.kernel = s
		return
	}
	pn := id >> idPageBits
	if len(t.pages) == 0 {
		t.base = pn
	}
	if pn < t.base {
		// Not for IDs handed out in order.
		t.pages = append(make([]*idPage, t.base-pn), t.pages...)
		t.base = pn
	}
	for pn-t.base >= len(t.pages) {
		t.pages = append(t.pages, nil)
	}
	p := t.pages[pn-t.base]
	if p == nil {
		p = new(idPage)
		t.pages[pn-t.base] = p
	}
	slot := &p.s[id&(1<<idPageBits-1)]
	if *slot == nil {
		p.live++
	}
	*slot = s
}

func (t *idTable) delete(id int) {
	if id == 0 {
		t.kernel = nil
		return
	}
	i := id>>idPageBits - t.base
	if id < 0 || i < 0 || i >= len(t.pages) || t.pages[i] == nil {
		return
	}
	p := t.pages[i]
	slot := &p.s[id&(1<<idPageBits-1)]
	if *slot == nil {
		return
	}
	*slot = nil
	if p.live--; p.live > 0 {
		return
	}
	t.pages[i] = nil
	// Drop the freed pages at the front; append copies the rest to a
	// new array once the old one's capacity runs out, so the dropped
	// part of the directory is not kept for ever.
	for len(t.pages) > 0 && t.pages[0] == nil {
		t.pages = t.pages[1:]
		t.base++
	}
}
