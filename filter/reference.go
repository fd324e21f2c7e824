package filter

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// Serializer turns values into bytes and back for Reference, as POE's
// Serializer parameter names a package with freeze and thaw.
type Serializer interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte) (any, error)
}

// GobSerializer is Reference's default Serializer: each value is one
// self-contained encoding/gob stream of an interface value, so its concrete
// type must be registered with gob.Register unless it is a basic type. Like
// POE's Storable, gob is not hardened against hostile input: use it between
// trusting peers.
type GobSerializer struct{}

// Marshal encodes v.
func (GobSerializer) Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Unmarshal decodes a value encoded by Marshal.
func (GobSerializer) Unmarshal(data []byte) (any, error) {
	var v any
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// ReferenceOptions configures a Reference filter. The field names are
// POE::Filter::Reference's; the zero value is gob with a 64 MiB limit.
type ReferenceOptions struct {
	// Serializer encodes and decodes the records. Nil means GobSerializer.
	Serializer Serializer
	// MaxBuffer bounds one serialized record, in bytes. Zero means 64 MiB
	// (POE: 512 MiB for its whole buffer).
	MaxBuffer int
}

const defaultReferenceMaxBuffer = 64 << 20

func (o ReferenceOptions) withDefaults() ReferenceOptions {
	if o.MaxBuffer < 0 {
		panic("filter: NewReference: negative MaxBuffer")
	}
	if o.Serializer == nil {
		o.Serializer = GobSerializer{}
	}
	if o.MaxBuffer == 0 {
		o.MaxBuffer = defaultReferenceMaxBuffer
	}
	return o
}

// Reference is POE::Filter::Reference: it sends Go values as serialized
// records, each framed as POE frames them: the length in ASCII decimal, a
// NUL byte, then the serialized bytes. Input records are the decoded
// values.
//
// A frame that cannot be decoded makes GetOne return an error wrapping
// ErrMalformed (POE dies, or returns the error as a record under NoFatals);
// a frame longer than MaxBuffer, an error wrapping ErrTooLong.
//
// A Reference is not safe for concurrent use.
type Reference struct {
	opts   ReferenceOptions
	frames *Block
}

// NewReference returns a Reference filter configured by opts (zero or one
// options struct).
func NewReference(opts ...ReferenceOptions) *Reference {
	var o ReferenceOptions
	if len(opts) > 1 {
		panic("filter: NewReference: more than one ReferenceOptions")
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	o = o.withDefaults()
	return &Reference{opts: o, frames: referenceFrames(o)}
}

func referenceFrames(o ReferenceOptions) *Block {
	b := NewBlock(BlockOptions{MaxLength: o.MaxBuffer})
	b.name = "Reference"
	return b
}

// GetOneStart buffers copies of chunks.
func (r *Reference) GetOneStart(chunks [][]byte) { r.frames.GetOneStart(chunks) }

// GetOne decodes the next complete frame, or returns nothing.
func (r *Reference) GetOne() ([]any, error) {
	rec, err := r.frames.GetOne()
	if err != nil || len(rec) == 0 {
		return nil, err
	}
	v, err := r.opts.Serializer.Unmarshal(rec[0].([]byte))
	if err != nil {
		return nil, fmt.Errorf("filter: Reference: %w: %w", ErrMalformed, err)
	}
	return []any{v}, nil
}

// Put serializes each record into one frame.
func (r *Reference) Put(records []any) ([][]byte, error) {
	out := make([][]byte, 0, len(records))
	for _, rec := range records {
		data, err := r.opts.Serializer.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("filter: Reference.Put: %w: %w", ErrRecordType, err)
		}
		if len(data) > r.opts.MaxBuffer {
			return nil, fmt.Errorf("filter: Reference.Put: %w: %d bytes serialized, MaxBuffer %d", ErrTooLong, len(data), r.opts.MaxBuffer)
		}
		out = append(out, encodeDecimal(make([]byte, 0, len(data)+maxDecimalDigits+2), len(data)))
		out[len(out)-1] = append(out[len(out)-1], data...)
	}
	return out, nil
}

// GetPending returns the buffered input that is not yet a record, and
// empties the buffer.
func (r *Reference) GetPending() [][]byte { return r.frames.GetPending() }

// Clone returns a Reference with the same options and an empty buffer.
func (r *Reference) Clone() Filter {
	return &Reference{opts: r.opts, frames: referenceFrames(r.opts)}
}
