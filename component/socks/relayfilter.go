package socks

import (
	"fmt"

	"github.com/seed02617006/poe/filter"
)

// relayFilter is filter.Stream without the copy on Put. A relay puts only
// byte slices it owns (the records the other side's filter handed over,
// which nothing else references, and replies it built), so the copy
// filter.Stream makes to protect a caller's buffer is not needed, and the
// relay copies each chunk once, from the reader's buffer into the record.
type relayFilter struct {
	buf []byte
}

var _ filter.Filter = (*relayFilter)(nil)

// GetOneStart buffers copies of chunks: the wheel's reader reuses them.
func (f *relayFilter) GetOneStart(chunks [][]byte) {
	for _, c := range chunks {
		f.buf = append(f.buf, c...)
	}
}

// GetOne hands over everything buffered as one record.
func (f *relayFilter) GetOne() ([]any, error) {
	if len(f.buf) == 0 {
		return nil, nil
	}
	b := f.buf
	f.buf = nil
	return []any{b}, nil
}

// Put passes byte slices through; the caller gives up ownership of them.
func (f *relayFilter) Put(records []any) ([][]byte, error) {
	out := make([][]byte, 0, len(records))
	for _, r := range records {
		b, ok := r.([]byte)
		if !ok {
			return nil, fmt.Errorf("socks: relay Put: %w: %T", filter.ErrRecordType, r)
		}
		out = append(out, b)
	}
	return out, nil
}

// GetPending returns the buffered bytes and empties the buffer.
func (f *relayFilter) GetPending() [][]byte {
	if len(f.buf) == 0 {
		return nil
	}
	b := f.buf
	f.buf = nil
	return [][]byte{b}
}

// Clone returns an empty relayFilter.
func (f *relayFilter) Clone() filter.Filter { return &relayFilter{} }
