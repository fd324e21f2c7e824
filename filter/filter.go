package filter

import "errors"

// Filter is a codec between the bytes of a stream and the records a session
// handles. It is POE::Filter's get_one_start/get_one/put/get_pending/clone.
//
// A Filter is a pure codec: it starts no goroutines and does no I/O. It is
// not safe for concurrent use; a wheel calls it only from its session's
// handlers, one call at a time.
type Filter interface {
	// GetOneStart appends raw chunks to the filter's input buffer. It does
	// not parse: parsing happens lazily in GetOne, so a wheel can switch
	// filters between two records and hand GetPending to the next one.
	GetOneStart(chunks [][]byte)

	// GetOne returns the next complete record, as a slice of zero or one
	// element. Zero elements and a nil error mean "need more input". An
	// error means the input cannot be decoded (or exceeds the filter's size
	// limit); the filter's state after an error is unspecified.
	GetOne() ([]any, error)

	// Put encodes records into chunks ready for the wire.
	Put(records []any) ([][]byte, error)

	// GetPending returns the input that was buffered but not yet decoded,
	// and empties the buffer. It returns nil when nothing is buffered.
	GetPending() [][]byte

	// Clone returns a new filter with the same settings and empty buffers.
	Clone() Filter
}

// Sender is implemented by filters that must write bytes to the peer while
// they decode, such as SSL during a handshake. After each GetOneStart and
// GetOne, ReadWrite and Stackable call TakeOutput and send what it returns
// (in order, before anything Put later) to the wire.
type Sender interface {
	// TakeOutput returns the bytes the filter wants written now and forgets
	// them. It returns nil when there is nothing to send.
	TakeOutput() [][]byte
}

// Errors common to the filters. Each filter wraps them with %w and context.
var (
	// ErrTooLong reports a record or buffer larger than the filter's limit.
	ErrTooLong = errors.New("filter: input exceeds the size limit")
	// ErrRecordType reports a record of a type the filter cannot encode.
	ErrRecordType = errors.New("filter: record of the wrong type")
	// ErrMalformed reports input that does not follow the filter's framing
	// or encoding.
	ErrMalformed = errors.New("filter: malformed input")
)
