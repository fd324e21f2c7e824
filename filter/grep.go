package filter

// GrepOptions configures a Grep filter with POE::Filter::Grep's parameters.
// Code, if set, is used for both directions; otherwise Get filters input
// and Put filters output. A nil function keeps every record (POE requires
// Code or both Get and Put).
type GrepOptions struct {
	Code func(record any) bool
	Get  func(record any) bool
	Put  func(record any) bool
}

// Grep is POE::Filter::Grep: it keeps the records for which a predicate is
// true. It is a RecordFilter: in a Stackable it receives the records of the
// filter below it unchanged; on its own, each chunk given to GetOneStart is
// one []byte record.
//
// Grep needs no size limit: it buffers only the records it was given.
//
// A Grep is not safe for concurrent use.
type Grep struct {
	get, put func(any) bool
	in       recordQueue
}

// NewGrep returns a Grep filter.
func NewGrep(opts GrepOptions) *Grep {
	g := &Grep{}
	g.Modify(opts)
	return g
}

// Modify replaces the predicates given in opts (POE's modify): Code
// replaces both, Get and Put replace one each, nil fields keep the current
// predicate.
func (g *Grep) Modify(opts GrepOptions) {
	if opts.Code != nil {
		g.get, g.put = opts.Code, opts.Code
	}
	if opts.Get != nil {
		g.get = opts.Get
	}
	if opts.Put != nil {
		g.put = opts.Put
	}
}

// GetOneStart queues a copy of each chunk as a []byte record.
func (g *Grep) GetOneStart(chunks [][]byte) { g.in.writeChunks(chunks) }

// GetOneStartRecords queues records unchanged.
func (g *Grep) GetOneStartRecords(records []any) { g.in.writeRecords(records) }

// GetOne returns the next queued record that Get keeps, dropping the ones
// before it that it rejects.
func (g *Grep) GetOne() ([]any, error) {
	for {
		r, ok := g.in.next()
		if !ok {
			return nil, nil
		}
		if g.get == nil || g.get(r) {
			return []any{r}, nil
		}
	}
}

// PutRecords returns the records that Put keeps.
func (g *Grep) PutRecords(records []any) ([]any, error) {
	out := make([]any, 0, len(records))
	for _, r := range records {
		if g.put == nil || g.put(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Put returns the records that Put keeps, as chunks; they must be byte
// slices or strings.
func (g *Grep) Put(records []any) ([][]byte, error) {
	kept, _ := g.PutRecords(records)
	return recordsToChunks("Grep", kept)
}

// GetPending returns the queued records that are byte slices or strings,
// and empties the queue; records of other types are dropped (see
// GetPendingRecords).
func (g *Grep) GetPending() [][]byte { return g.in.takeBytes() }

// GetPendingRecords returns the queued records and empties the queue.
func (g *Grep) GetPendingRecords() []any { return g.in.takeRecords() }

// Clone returns a Grep with the same predicates and an empty queue.
func (g *Grep) Clone() Filter { return &Grep{get: g.get, put: g.put} }
