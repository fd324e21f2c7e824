package filter

import "fmt"

// Stream is POE::Filter::Stream: bytes pass through unchanged. GetOne
// returns everything buffered since the last GetOne as one []byte record;
// Put accepts byte slices and strings and returns one chunk per record.
//
// Stream needs no size limit: GetOne empties its buffer, so it never holds
// more than the chunks given since the previous GetOne.
//
// A Stream is not safe for concurrent use.
type Stream struct {
	buf []byte
}

// NewStream returns a Stream filter.
func NewStream() *Stream { return &Stream{} }

// GetOneStart buffers copies of chunks.
func (s *Stream) GetOneStart(chunks [][]byte) {
	for _, c := range chunks {
		s.buf = append(s.buf, c...)
	}
}

// GetOne returns the buffered bytes as one record, or nothing when the
// buffer is empty. The caller owns the returned slice.
func (s *Stream) GetOne() ([]any, error) { return s.AppendOne(nil) }

// AppendOne is GetOne appending the record, if any, to dst, without the
// slice GetOne allocates (see Line.AppendOne).
func (s *Stream) AppendOne(dst []any) ([]any, error) {
	if len(s.buf) == 0 {
		return dst, nil
	}
	b := s.buf
	s.buf = nil
	return append(dst, b), nil
}

// Put returns a copy of each record as a chunk. Records must be byte slices
// or strings.
func (s *Stream) Put(records []any) ([][]byte, error) {
	out, err := s.AppendPut(make([][]byte, 0, len(records)), records)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AppendPut is append(dst, the chunks of Put(records)...), without the
// slice Put allocates; on error it returns dst as given. ReadWrite puts
// with it when its output filter is of this type.
func (s *Stream) AppendPut(dst [][]byte, records []any) ([][]byte, error) {
	out := dst
	for _, r := range records {
		switch v := r.(type) {
		case []byte:
			out = append(out, append([]byte(nil), v...))
		case string:
			out = append(out, []byte(v))
		default:
			clear(out[len(dst):])
			return dst, fmt.Errorf("filter: Stream.Put: %w: %T", ErrRecordType, r)
		}
	}
	return out, nil
}

// GetPending returns the buffered bytes and empties the buffer.
func (s *Stream) GetPending() [][]byte {
	if len(s.buf) == 0 {
		return nil
	}
	b := s.buf
	s.buf = nil
	return [][]byte{b}
}

// Clone returns a new, empty Stream.
func (s *Stream) Clone() Filter { return &Stream{} }
