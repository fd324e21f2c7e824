package filter

// buffer is the byte queue behind the stream filters: GetOneStart appends at
// the tail, GetOne consumes from the head. Records handed out are always
// copies, so the queue may reuse its storage.
type buffer struct {
	b   []byte
	off int
}

// releaseCap is the capacity above which an emptied buffer gives its storage
// back to the garbage collector instead of keeping it for the next chunk, so
// one long record does not pin its memory for the life of a connection.
const releaseCap = 64 << 10

// write appends copies of chunks.
func (q *buffer) write(chunks [][]byte) {
	if q.off > 0 && q.off >= len(q.b)-q.off {
		n := copy(q.b, q.b[q.off:])
		q.b = q.b[:n]
		q.off = 0
	}
	for _, c := range chunks {
		q.b = append(q.b, c...)
	}
}

// bytes returns the unconsumed input; valid until the next write or consume.
func (q *buffer) bytes() []byte { return q.b[q.off:] }

// len returns the number of unconsumed bytes.
func (q *buffer) len() int { return len(q.b) - q.off }

// consume drops n bytes from the head.
func (q *buffer) consume(n int) {
	q.off += n
	if q.off >= len(q.b) {
		q.reset()
	}
}

// reset empties the queue.
func (q *buffer) reset() {
	if cap(q.b) > releaseCap {
		q.b = nil
	} else {
		q.b = q.b[:0]
	}
	q.off = 0
}

// take returns a copy of the unconsumed input as GetPending's result (nil
// when empty) and empties the queue.
func (q *buffer) take() [][]byte {
	if q.len() == 0 {
		q.reset()
		return nil
	}
	out := append([]byte(nil), q.bytes()...)
	q.reset()
	return [][]byte{out}
}

// toBytes converts a record that is a byte string in Perl's sense.
func toBytes(r any) ([]byte, bool) {
	switch v := r.(type) {
	case []byte:
		return v, true
	case string:
		return []byte(v), true
	}
	return nil, false
}
