package filter

import (
	"errors"
	"fmt"
	"io"
)

// RecordFilter is implemented by filters whose input and output are
// records rather than bytes: Grep, Map, RecordBlock and Stackable. A
// Stackable hands such a filter the records of the filter below it
// unchanged, and takes its output records unchanged; a filter without it
// receives those records as chunks (byte slices as they are, strings
// converted) and any other record type is an error wrapping ErrRecordType.
type RecordFilter interface {
	Filter
	// GetOneStartRecords queues records as GetOneStart queues chunks.
	GetOneStartRecords(records []any)
	// PutRecords encodes records into records for the filter below.
	PutRecords(records []any) ([]any, error)
	// GetPendingRecords returns the queued input records and empties the
	// queue.
	GetPendingRecords() []any
}

// StackableOptions configures a Stackable with POE::Filter::Stackable's
// parameter.
type StackableOptions struct {
	// Filters is the stack, from the wire (index 0) up to the session.
	// The Stackable keeps its own copy of the slice.
	Filters []Filter
}

// Stackable is POE::Filter::Stackable: a stack of filters that acts as one.
// Input goes up from Filters[0], the filter next to the wire, to the last
// one, whose records GetOne returns; Put goes down the stack and returns
// what Filters[0] encodes. An empty stack passes bytes through like Stream.
//
// GetOne is lazy: it asks the top filter first and feeds a filter from the
// one below only when it has nothing to return, so data stays as low in the
// stack as possible. GetPending returns the pending input of Filters[0]
// only: bytes that upper filters hold are not wire bytes any more and stay
// in them (see Filters).
//
// Stackable implements Sender for members that implement it: TakeOutput
// passes the output of the filter at index i through Put of the filters
// below it, i-1 down to 0, so it goes out encoded as the wire expects. It
// implements io.Closer by closing the members that implement io.Closer.
//
// A Stackable is not safe for concurrent use.
type Stackable struct {
	filters []Filter
	empty   Stream // the pass-through used while the stack is empty
	err     error  // an output error for the next GetOne or Put
}

// NewStackable returns a Stackable of opts.Filters (zero or one options
// struct). It panics on a nil filter, as POE croaks.
func NewStackable(opts ...StackableOptions) *Stackable {
	if len(opts) > 1 {
		panic("filter: NewStackable: more than one StackableOptions")
	}
	s := &Stackable{}
	if len(opts) == 1 {
		s.Push(opts[0].Filters...)
	}
	return s
}

// Filters returns the stack, from the wire up, as a new slice.
func (s *Stackable) Filters() []Filter { return append([]Filter(nil), s.filters...) }

// Push adds filters at the top of the stack, in order: the last one pushed
// is the first to handle Put and the last to handle input. It panics on a
// nil filter.
func (s *Stackable) Push(filters ...Filter) {
	checkFilters("Push", filters)
	wasEmpty := len(s.filters) == 0
	s.filters = append(s.filters, filters...)
	if wasEmpty {
		s.adoptPending()
	}
}

// Unshift adds filters at the bottom of the stack, in order: filters[0]
// becomes the filter next to the wire. It panics on a nil filter.
func (s *Stackable) Unshift(filters ...Filter) {
	checkFilters("Unshift", filters)
	wasEmpty := len(s.filters) == 0
	s.filters = append(append([]Filter(nil), filters...), s.filters...)
	if wasEmpty {
		s.adoptPending()
	}
}

// Pop removes and returns the top filter, or nil when the stack is empty.
// Its buffered input stays in it, as in POE.
func (s *Stackable) Pop() Filter {
	if len(s.filters) == 0 {
		return nil
	}
	f := s.filters[len(s.filters)-1]
	s.filters[len(s.filters)-1] = nil
	s.filters = s.filters[:len(s.filters)-1]
	return f
}

// Shift removes and returns the bottom filter, or nil when the stack is
// empty. Its buffered input is handed to the new bottom filter (to the
// pass-through if the stack is now empty), as POE documents; the returned
// filter's buffer is then empty.
func (s *Stackable) Shift() Filter {
	if len(s.filters) == 0 {
		return nil
	}
	f := s.filters[0]
	s.filters = append([]Filter(nil), s.filters[1:]...)
	var next Filter = &s.empty
	if len(s.filters) > 0 {
		next = s.filters[0]
	}
	rf, fromRecords := f.(RecordFilter)
	if _, toRecords := next.(RecordFilter); fromRecords && toRecords {
		if p := rf.GetPendingRecords(); len(p) > 0 {
			next.(RecordFilter).GetOneStartRecords(p)
		}
	} else if p := f.GetPending(); len(p) > 0 {
		next.GetOneStart(p)
	}
	return f
}

func checkFilters(op string, filters []Filter) {
	for _, f := range filters {
		if f == nil {
			panic("filter: Stackable." + op + ": nil filter")
		}
	}
}

// adoptPending moves what the pass-through buffered while the stack was
// empty into the new bottom filter.
func (s *Stackable) adoptPending() {
	if p := s.empty.GetPending(); len(p) > 0 && len(s.filters) > 0 {
		s.filters[0].GetOneStart(p)
	}
}

// GetOneStart hands chunks to the bottom filter.
func (s *Stackable) GetOneStart(chunks [][]byte) {
	if len(s.filters) == 0 {
		s.empty.GetOneStart(chunks)
		return
	}
	s.filters[0].GetOneStart(chunks)
}

// GetOneStartRecords hands records to the bottom filter, as chunks if it is
// not a RecordFilter.
func (s *Stackable) GetOneStartRecords(records []any) {
	var bottom Filter = &s.empty
	if len(s.filters) > 0 {
		bottom = s.filters[0]
	}
	if err := feed(bottom, records); err != nil {
		s.err = errors.Join(s.err, fmt.Errorf("filter: Stackable: %w", err))
	}
}

// GetOne returns the next record from the top of the stack.
func (s *Stackable) GetOne() ([]any, error) {
	if err := s.takeErr(); err != nil {
		return nil, err
	}
	if len(s.filters) == 0 {
		return s.empty.GetOne()
	}
	return s.pull(len(s.filters) - 1)
}

// pull returns the next record of filter i, feeding it from the filters
// below only while it has nothing to return.
func (s *Stackable) pull(i int) ([]any, error) {
	f := s.filters[i]
	for {
		recs, err := f.GetOne()
		if err != nil || len(recs) > 0 || i == 0 {
			return recs, err
		}
		below, err := s.pull(i - 1)
		if err != nil || len(below) == 0 {
			return nil, err
		}
		if err := feed(f, below); err != nil {
			return nil, fmt.Errorf("filter: Stackable: into filter %d: %w", i, err)
		}
	}
}

// feed gives records to f, as records if it takes them.
func feed(f Filter, records []any) error {
	if rf, ok := f.(RecordFilter); ok {
		rf.GetOneStartRecords(records)
		return nil
	}
	chunks := make([][]byte, len(records))
	for i, r := range records {
		b, ok := toBytes(r)
		if !ok {
			return fmt.Errorf("%w: %T is not bytes", ErrRecordType, r)
		}
		chunks[i] = b
	}
	f.GetOneStart(chunks)
	return nil
}

// putRecords runs records through f's Put and returns its output as
// records for the filter below.
func putRecords(f Filter, records []any) ([]any, error) {
	if rf, ok := f.(RecordFilter); ok {
		return rf.PutRecords(records)
	}
	chunks, err := f.Put(records)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(chunks))
	for i, c := range chunks {
		out[i] = c
	}
	return out, nil
}

// putFrom runs records down the stack through Put of filters i to 0.
func (s *Stackable) putFrom(i int, records []any) ([][]byte, error) {
	data := records
	for ; i >= 1; i-- {
		var err error
		if data, err = putRecords(s.filters[i], data); err != nil {
			return nil, fmt.Errorf("filter: Stackable: filter %d: %w", i, err)
		}
		if len(data) == 0 {
			return nil, nil
		}
	}
	out, err := s.filters[0].Put(data)
	if err != nil {
		return nil, fmt.Errorf("filter: Stackable: filter 0: %w", err)
	}
	return out, nil
}

// Put encodes records down the stack, from the top filter to the bottom.
func (s *Stackable) Put(records []any) ([][]byte, error) {
	if err := s.takeErr(); err != nil {
		return nil, err
	}
	if len(s.filters) == 0 {
		return s.empty.Put(records)
	}
	return s.putFrom(len(s.filters)-1, records)
}

// PutRecords encodes records down the stack and returns the bottom
// filter's output as records.
func (s *Stackable) PutRecords(records []any) ([]any, error) {
	if err := s.takeErr(); err != nil {
		return nil, err
	}
	if len(s.filters) == 0 {
		return putRecords(&s.empty, records)
	}
	data := records
	for i := len(s.filters) - 1; i >= 0; i-- {
		var err error
		if data, err = putRecords(s.filters[i], data); err != nil {
			return nil, fmt.Errorf("filter: Stackable: filter %d: %w", i, err)
		}
		if len(data) == 0 {
			return nil, nil
		}
	}
	return data, nil
}

// GetPending returns the pending input of the bottom filter and empties it.
func (s *Stackable) GetPending() [][]byte {
	if len(s.filters) == 0 {
		return s.empty.GetPending()
	}
	return s.filters[0].GetPending()
}

// GetPendingRecords returns the pending input of the bottom filter as
// records and empties it.
func (s *Stackable) GetPendingRecords() []any {
	if len(s.filters) > 0 {
		if rf, ok := s.filters[0].(RecordFilter); ok {
			return rf.GetPendingRecords()
		}
	}
	var out []any
	for _, c := range s.GetPending() {
		out = append(out, c)
	}
	return out
}

// TakeOutput collects the output of the members that implement Sender,
// bottom first, each passed through Put of the filters below it. An error
// from those Puts is returned by the next GetOne or Put.
func (s *Stackable) TakeOutput() [][]byte {
	var out [][]byte
	for i, f := range s.filters {
		snd, ok := f.(Sender)
		if !ok {
			continue
		}
		chunks := snd.TakeOutput()
		if len(chunks) == 0 {
			continue
		}
		if i == 0 {
			out = append(out, chunks...)
			continue
		}
		records := make([]any, len(chunks))
		for j, c := range chunks {
			records[j] = c
		}
		encoded, err := s.putFrom(i-1, records)
		if err != nil {
			s.err = errors.Join(s.err, fmt.Errorf("output of filter %d: %w", i, err))
			continue
		}
		out = append(out, encoded...)
	}
	return out
}

func (s *Stackable) takeErr() error {
	err := s.err
	s.err = nil
	return err
}

// Close closes the members that implement io.Closer, top first, and
// returns their errors joined.
func (s *Stackable) Close() error {
	var errs []error
	for i := len(s.filters) - 1; i >= 0; i-- {
		if c, ok := s.filters[i].(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Clone returns a Stackable of clones of the members, with empty buffers.
func (s *Stackable) Clone() Filter {
	c := &Stackable{filters: make([]Filter, len(s.filters))}
	for i, f := range s.filters {
		c.filters[i] = f.Clone()
	}
	return c
}

// The record filters, and the filters that send while they decode.
var (
	_ RecordFilter = (*Grep)(nil)
	_ RecordFilter = (*Map)(nil)
	_ RecordFilter = (*RecordBlock)(nil)
	_ RecordFilter = (*Stackable)(nil)
	_ Sender       = (*Stackable)(nil)
	_ Sender       = (*HTTPD)(nil)
	_ io.Closer    = (*Stackable)(nil)
)
