package kernel

// idTable maps session IDs to sessions. IDs are handed out in order and
// never reused, so a table of fixed-size pages indexed by ID beats a hash
// map: a lookup is two indexations, and a page is freed when its last
// session stops, so a server that has run a billion sessions holds only
// the pages of the live ones.
type idTable struct {
	pages map[int]*idPage
}

const idPageBits = 10

type idPage struct {
	s    [1 << idPageBits]*Session
	live int
}

func (t *idTable) get(id int) *Session {
	if id < 0 {
		return nil
	}
	p := t.pages[id>>idPageBits]
	if p == nil {
		return nil
	}
	return p.s[id&(1<<idPageBits-1)]
}

func (t *idTable) set(id int, s *Session) {
	if t.pages == nil {
		t.pages = make(map[int]*idPage)
	}
	p := t.pages[id>>idPageBits]
	if p == nil {
		p = new(idPage)
		t.pages[id>>idPageBits] = p
	}
	slot := &p.s[id&(1<<idPageBits-1)]
	if *slot == nil {
		p.live++
	}
	*slot = s
}

func (t *idTable) delete(id int) {
	p := t.pages[id>>idPageBits]
	if p == nil {
		return
	}
	slot := &p.s[id&(1<<idPageBits-1)]
	if *slot == nil {
		return
	}
	*slot = nil
	if p.live--; p.live == 0 {
		delete(t.pages, id>>idPageBits)
	}
}
