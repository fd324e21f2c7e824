package filter

// MapOptions configures a Map filter with POE::Filter::Map's parameters.
// Code, if set, is used for both directions; otherwise Get maps input and
// Put maps output. A nil function leaves records unchanged (POE requires
// Code or both Get and Put).
type MapOptions struct {
	Code func(record any) any
	Get  func(record any) any
	Put  func(record any) any
}

// Map is POE::Filter::Map: it transforms each record with a function. It is
// a RecordFilter: in a Stackable it receives the records of the filter below
// it unchanged; on its own, each chunk given to GetOneStart is one []byte
// record.
//
// Map needs no size limit: it buffers only the records it was given.
//
// A Map is not safe for concurrent use.
type Map struct {
	get, put func(any) any
	in       recordQueue
}

// NewMap returns a Map filter.
func NewMap(opts MapOptions) *Map {
	m := &Map{}
	m.Modify(opts)
	return m
}

// Modify replaces the functions given in opts (POE's modify): Code replaces
// both, Get and Put replace one each, nil fields keep the current function.
func (m *Map) Modify(opts MapOptions) {
	if opts.Code != nil {
		m.get, m.put = opts.Code, opts.Code
	}
	if opts.Get != nil {
		m.get = opts.Get
	}
	if opts.Put != nil {
		m.put = opts.Put
	}
}

// GetOneStart queues a copy of each chunk as a []byte record.
func (m *Map) GetOneStart(chunks [][]byte) { m.in.writeChunks(chunks) }

// GetOneStartRecords queues records unchanged.
func (m *Map) GetOneStartRecords(records []any) { m.in.writeRecords(records) }

// GetOne returns the next queued record mapped by Get.
func (m *Map) GetOne() ([]any, error) {
	r, ok := m.in.next()
	if !ok {
		return nil, nil
	}
	if m.get != nil {
		r = m.get(r)
	}
	return []any{r}, nil
}

// PutRecords returns the records mapped by Put.
func (m *Map) PutRecords(records []any) ([]any, error) {
	out := make([]any, len(records))
	for i, r := range records {
		if m.put != nil {
			r = m.put(r)
		}
		out[i] = r
	}
	return out, nil
}

// Put returns the records mapped by Put, as chunks; the mapped records must
// be byte slices or strings.
func (m *Map) Put(records []any) ([][]byte, error) {
	mapped, _ := m.PutRecords(records)
	return recordsToChunks("Map", mapped)
}

// GetPending returns the queued records that are byte slices or strings,
// unmapped, and empties the queue; records of other types are dropped (see
// GetPendingRecords).
func (m *Map) GetPending() [][]byte { return m.in.takeBytes() }

// GetPendingRecords returns the queued records, unmapped, and empties the
// queue.
func (m *Map) GetPendingRecords() []any { return m.in.takeRecords() }

// Clone returns a Map with the same functions and an empty queue.
func (m *Map) Clone() Filter { return &Map{get: m.get, put: m.put} }
