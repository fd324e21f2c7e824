package filter

import "fmt"

// recordQueue is the input buffer of the record filters (Grep, Map,
// RecordBlock): a FIFO of records.
type recordQueue struct {
	q []any
}

// writeChunks queues a copy of each chunk as a []byte record.
func (r *recordQueue) writeChunks(chunks [][]byte) {
	for _, c := range chunks {
		r.q = append(r.q, append([]byte(nil), c...))
	}
}

// writeRecords queues records unchanged.
func (r *recordQueue) writeRecords(records []any) { r.q = append(r.q, records...) }

// next removes and returns the first record.
func (r *recordQueue) next() (any, bool) {
	if len(r.q) == 0 {
		return nil, false
	}
	v := r.q[0]
	r.q[0] = nil
	r.q = r.q[1:]
	if len(r.q) == 0 {
		r.q = nil
	}
	return v, true
}

// takeRecords returns the queued records and empties the queue.
func (r *recordQueue) takeRecords() []any {
	q := r.q
	r.q = nil
	return q
}

// takeBytes is GetPending for record filters: the queued records that are
// byte strings, as chunks. Records of other types cannot be bytes and are
// dropped; GetPendingRecords returns them all.
func (r *recordQueue) takeBytes() [][]byte {
	var out [][]byte
	for _, v := range r.takeRecords() {
		if b, ok := toBytes(v); ok {
			out = append(out, b)
		}
	}
	return out
}

// recordsToChunks converts the output of a record filter's Put to chunks.
func recordsToChunks(who string, records []any) ([][]byte, error) {
	if len(records) == 0 {
		return nil, nil
	}
	out := make([][]byte, 0, len(records))
	for _, v := range records {
		b, ok := toBytes(v)
		if !ok {
			return nil, fmt.Errorf("filter: %s.Put: %w: %T is not bytes", who, ErrRecordType, v)
		}
		out = append(out, append([]byte(nil), b...))
	}
	return out, nil
}
