package filter

import "fmt"

// RecordBlockOptions configures a RecordBlock filter with
// POE::Filter::RecordBlock's parameters.
type RecordBlockOptions struct {
	// BlockSize is the number of records in a block. It must be positive.
	BlockSize int
	// CheckPut makes Put hold records back until it has whole blocks of
	// BlockSize (see PutPending).
	CheckPut bool
}

// RecordBlock is POE::Filter::RecordBlock: on input it groups records into
// blocks of BlockSize, each returned as a []any; on output it flattens
// blocks ([]any records) back into their items. It is a RecordFilter: in a
// Stackable it receives the records of the filter below it unchanged; on
// its own, each chunk given to GetOneStart is one []byte item.
//
// RecordBlock needs no size limit: it holds fewer than BlockSize items
// after each GetOne that returns nothing.
//
// A RecordBlock is not safe for concurrent use.
type RecordBlock struct {
	size     int
	checkPut bool
	in       recordQueue
	out      []any // CheckPut: items waiting for a whole block
}

// NewRecordBlock returns a RecordBlock filter. It panics if BlockSize is not
// positive, as POE croaks.
func NewRecordBlock(opts RecordBlockOptions) *RecordBlock {
	if opts.BlockSize < 1 {
		panic("filter: NewRecordBlock: BlockSize must be greater than 0")
	}
	return &RecordBlock{size: opts.BlockSize, checkPut: opts.CheckPut}
}

// BlockSize returns the number of records in a block.
func (r *RecordBlock) BlockSize() int { return r.size }

// SetBlockSize changes the block size; like POE, it ignores n < 1.
func (r *RecordBlock) SetBlockSize(n int) {
	if n > 0 {
		r.size = n
	}
}

// CheckPut reports whether Put holds records back until it has whole blocks.
func (r *RecordBlock) CheckPut() bool { return r.checkPut }

// SetCheckPut changes the CheckPut flag.
func (r *RecordBlock) SetCheckPut(on bool) { r.checkPut = on }

// GetOneStart queues a copy of each chunk as a []byte item.
func (r *RecordBlock) GetOneStart(chunks [][]byte) { r.in.writeChunks(chunks) }

// GetOneStartRecords queues records unchanged.
func (r *RecordBlock) GetOneStartRecords(records []any) { r.in.writeRecords(records) }

// GetOne returns the next block of BlockSize items as a []any, or nothing
// when fewer are queued.
func (r *RecordBlock) GetOne() ([]any, error) {
	if len(r.in.q) < r.size {
		return nil, nil
	}
	block := make([]any, r.size)
	copy(block, r.in.q)
	clear(r.in.q[:r.size])
	r.in.q = r.in.q[r.size:]
	if len(r.in.q) == 0 {
		r.in.q = nil
	}
	return []any{block}, nil
}

// PutRecords flattens blocks, which must be []any, into their items. With
// CheckPut it returns only whole blocks' worth of items and keeps the rest
// for a later Put; without, it first returns items kept while CheckPut was
// on.
func (r *RecordBlock) PutRecords(records []any) ([]any, error) {
	var items []any
	for _, rec := range records {
		block, ok := rec.([]any)
		if !ok {
			return nil, fmt.Errorf("filter: RecordBlock.Put: %w: %T is not a []any block", ErrRecordType, rec)
		}
		items = append(items, block...)
	}
	if !r.checkPut {
		out := append(r.out, items...)
		r.out = nil
		return out, nil
	}
	r.out = append(r.out, items...)
	n := len(r.out) / r.size * r.size
	out := append([]any(nil), r.out[:n]...)
	r.out = append([]any(nil), r.out[n:]...)
	return out, nil
}

// Put flattens blocks like PutRecords and returns the items as chunks; they
// must be byte slices or strings. On error nothing is kept.
func (r *RecordBlock) Put(records []any) ([][]byte, error) {
	saved := append([]any(nil), r.out...)
	items, err := r.PutRecords(records)
	if err == nil {
		var chunks [][]byte
		if chunks, err = recordsToChunks("RecordBlock", items); err == nil {
			return chunks, nil
		}
	}
	r.out = saved
	return nil, err
}

// PutPending returns the items Put holds back under CheckPut (POE's
// put_pending), without removing them, or nil.
func (r *RecordBlock) PutPending() []any {
	if !r.checkPut || len(r.out) == 0 {
		return nil
	}
	return append([]any(nil), r.out...)
}

// GetPending returns the queued items that are byte slices or strings and
// empties the queue; items of other types are dropped (see
// GetPendingRecords).
func (r *RecordBlock) GetPending() [][]byte { return r.in.takeBytes() }

// GetPendingRecords returns the queued items and empties the queue.
func (r *RecordBlock) GetPendingRecords() []any { return r.in.takeRecords() }

// Clone returns a RecordBlock with the same block size and CheckPut flag and
// empty buffers.
func (r *RecordBlock) Clone() Filter { return &RecordBlock{size: r.size, checkPut: r.checkPut} }
