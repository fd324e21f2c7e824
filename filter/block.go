package filter

import (
	"errors"
	"fmt"
	"math"
)

// LengthCodec frames the blocks of a length-prefixed Block: POE's
// LengthCodec => [ \&encoder, \&decoder ], with the header lengths made
// explicit instead of editing the buffer in place.
type LengthCodec struct {
	// Encode appends the header for a block of n bytes to dst and returns
	// the extended slice.
	Encode func(dst []byte, n int) []byte
	// Decode reads the header at the start of buf and returns the block
	// length n and the header length hdr. hdr == 0 with a nil error means
	// more input is needed. A non-nil error means buf does not start with
	// a header: Block drops the first hdr bytes (all of buf if hdr is not
	// in 1..len(buf)) and GetOne returns the error, once for a run of
	// such errors up to the next good header. An error wrapping
	// ErrTooLong means a length too large to skip: Block then drops all
	// further input. Decode must not keep buf.
	Decode func(buf []byte) (n, hdr int, err error)
}

// DecimalLengthCodec returns POE::Filter::Block's default codec: the block
// length in ASCII decimal, a NUL byte, then the data. Its decoder reports
// bytes that cannot start a header (POE warns "strange bytes removed from
// stream") as an error wrapping ErrMalformed and drops them, and a header
// of more than 18 digits as an error wrapping ErrTooLong, after which the
// rest of the stream is dropped as that block's data.
func DecimalLengthCodec() LengthCodec {
	return LengthCodec{Encode: encodeDecimal, Decode: decodeDecimal}
}

// maxDecimalDigits keeps a decimal length within an int on every platform
// Go supports with 64-bit ints, and bounds the bytes a header may occupy.
const maxDecimalDigits = 18

func encodeDecimal(dst []byte, n int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	dst = append(dst, tmp[i:]...)
	return append(dst, 0)
}

func decodeDecimal(buf []byte) (n, hdr int, err error) {
	d := 0
	for d < len(buf) && isDigit(buf[d]) {
		d++
	}
	if d == 0 {
		j := 0
		for j < len(buf) && !isDigit(buf[j]) {
			j++
		}
		return 0, j, fmt.Errorf("%w: %d strange bytes before a length header", ErrMalformed, j)
	}
	if d > maxDecimalDigits {
		return 0, d, fmt.Errorf("%w: length header of more than %d digits", ErrTooLong, maxDecimalDigits)
	}
	if d == len(buf) {
		return 0, 0, nil
	}
	if buf[d] != 0 {
		return 0, d, fmt.Errorf("%w: length header ends in %q, not NUL", ErrMalformed, buf[d])
	}
	for _, c := range buf[:d] {
		n = n*10 + int(c-'0')
	}
	return n, d + 1, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// BlockOptions configures a Block filter. The field names are
// POE::Filter::Block's; the zero value is its default: length-prefixed
// blocks with DecimalLengthCodec.
type BlockOptions struct {
	// BlockSize, if positive, selects fixed-size blocks of that many
	// bytes. It excludes LengthCodec and MaxLength.
	BlockSize int
	// LengthCodec frames length-prefixed blocks. Nil means
	// DecimalLengthCodec.
	LengthCodec *LengthCodec
	// MaxLength bounds a length-prefixed block, in bytes. Zero means
	// 64 MiB, as in POE.
	MaxLength int
}

const defaultBlockMaxLength = 64 << 20

// withDefaults validates o and fills in the defaults; conflicts are
// programmer errors, as POE croaks on them.
func (o BlockOptions) withDefaults() BlockOptions {
	switch {
	case o.BlockSize < 0:
		panic("filter: NewBlock: negative BlockSize")
	case o.MaxLength < 0:
		panic("filter: NewBlock: negative MaxLength")
	case o.BlockSize > 0 && o.LengthCodec != nil:
		panic("filter: NewBlock: BlockSize excludes LengthCodec")
	case o.BlockSize > 0 && o.MaxLength != 0:
		panic("filter: NewBlock: BlockSize excludes MaxLength")
	case o.LengthCodec != nil && (o.LengthCodec.Encode == nil || o.LengthCodec.Decode == nil):
		panic("filter: NewBlock: LengthCodec needs both Encode and Decode")
	}
	if o.BlockSize == 0 {
		if o.LengthCodec == nil {
			c := DecimalLengthCodec()
			o.LengthCodec = &c
		} else {
			c := *o.LengthCodec
			o.LengthCodec = &c
		}
		if o.MaxLength == 0 {
			o.MaxLength = defaultBlockMaxLength
		}
	}
	return o
}

// Block is POE::Filter::Block: it cuts a byte stream into fixed-size blocks
// or into length-prefixed blocks. Input records are []byte; Put accepts byte
// slices and strings.
//
// In fixed-size mode Put concatenates its records into one chunk and does
// not check their sizes, as POE does. In length-prefixed mode Put returns
// one framed chunk per record and refuses a record longer than MaxLength.
// A header announcing more than MaxLength bytes makes GetOne return an
// error wrapping ErrTooLong; Block then drops that block's data as it
// arrives and goes on with the next header.
//
// A Block is not safe for concurrent use.
type Block struct {
	opts BlockOptions
	buf  buffer
	n    int    // length of the current block, once its header is decoded
	hdr  int    // length of its header, still at the head of buf; 0: none
	skip int    // bytes of an over-long block still to drop
	name string // for errors: "Block", or the filter that frames with it
	// resync is set from a malformed header to the next good one, so a
	// run of garbage is reported once, wherever the chunks cut it.
	resync bool
}

func (b *Block) kind() string {
	if b.name == "" {
		return "Block"
	}
	return b.name
}

// NewBlock returns a Block filter configured by opts (zero or one options
// struct). It panics if the options conflict, as POE croaks.
func NewBlock(opts ...BlockOptions) *Block {
	var o BlockOptions
	if len(opts) > 1 {
		panic("filter: NewBlock: more than one BlockOptions")
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	return &Block{opts: o.withDefaults()}
}

// GetOneStart buffers copies of chunks.
func (b *Block) GetOneStart(chunks [][]byte) { b.buf.write(chunks) }

// GetOne returns the next complete block as a []byte, or nothing.
func (b *Block) GetOne() ([]any, error) {
	if size := b.opts.BlockSize; size > 0 {
		if b.buf.len() < size {
			return nil, nil
		}
		rec := append([]byte(nil), b.buf.bytes()[:size]...)
		b.buf.consume(size)
		return []any{rec}, nil
	}
	if b.skip > 0 {
		k := min(b.skip, b.buf.len())
		b.buf.consume(k)
		b.skip -= k
		if b.skip > 0 {
			return nil, nil
		}
	}
	for b.hdr == 0 {
		p := b.buf.bytes()
		if len(p) == 0 {
			return nil, nil
		}
		n, hdr, err := b.opts.LengthCodec.Decode(p)
		switch {
		case err != nil:
			if hdr <= 0 || hdr > len(p) {
				hdr = len(p)
			}
			b.buf.consume(hdr)
			if errors.Is(err, ErrTooLong) {
				// A length too large to even count: its block would
				// take the rest of the stream, so drop the rest.
				b.skip = math.MaxInt
				b.buf.reset()
				return nil, fmt.Errorf("filter: %s: %w", b.kind(), err)
			}
			if b.resync {
				// Still in the same run of garbage: report it once,
				// however the chunks cut it.
				continue
			}
			b.resync = true
			if errors.Is(err, ErrMalformed) {
				return nil, fmt.Errorf("filter: %s: %w", b.kind(), err)
			}
			return nil, fmt.Errorf("filter: %s: %w: %w", b.kind(), ErrMalformed, err)
		case hdr == 0:
			if len(p) > b.opts.MaxLength {
				b.buf.reset()
				return nil, fmt.Errorf("filter: %s: %w: no length header in %d bytes", b.kind(), ErrTooLong, len(p))
			}
			return nil, nil
		case hdr > len(p) || n < 0:
			b.buf.reset()
			return nil, fmt.Errorf("filter: %s: %w: LengthCodec.Decode returned length %d, header %d for %d bytes", b.kind(), ErrMalformed, n, hdr, len(p))
		case n > b.opts.MaxLength:
			b.buf.consume(hdr)
			b.skip = n
			return nil, fmt.Errorf("filter: %s: %w: block of %d bytes, MaxLength %d", b.kind(), ErrTooLong, n, b.opts.MaxLength)
		}
		b.n, b.hdr = n, hdr
		b.resync = false
	}
	if b.buf.len() < b.hdr+b.n {
		return nil, nil
	}
	rec := append([]byte(nil), b.buf.bytes()[b.hdr:b.hdr+b.n]...)
	b.buf.consume(b.hdr + b.n)
	b.n, b.hdr = 0, 0
	return []any{rec}, nil
}

// Put encodes records, which must be byte slices or strings.
func (b *Block) Put(records []any) ([][]byte, error) {
	if b.opts.BlockSize > 0 {
		var all []byte
		for _, r := range records {
			p, ok := toBytes(r)
			if !ok {
				return nil, fmt.Errorf("filter: Block.Put: %w: %T", ErrRecordType, r)
			}
			all = append(all, p...)
		}
		if len(all) == 0 {
			return nil, nil
		}
		return [][]byte{all}, nil
	}
	out := make([][]byte, 0, len(records))
	for _, r := range records {
		p, ok := toBytes(r)
		if !ok {
			return nil, fmt.Errorf("filter: Block.Put: %w: %T", ErrRecordType, r)
		}
		if len(p) > b.opts.MaxLength {
			return nil, fmt.Errorf("filter: Block.Put: %w: block of %d bytes, MaxLength %d", ErrTooLong, len(p), b.opts.MaxLength)
		}
		c := b.opts.LengthCodec.Encode(make([]byte, 0, len(p)+maxDecimalDigits+2), len(p))
		out = append(out, append(c, p...))
	}
	return out, nil
}

// GetPending returns the buffered input that is not yet a block, including
// the header of a partial block, and empties the buffer.
func (b *Block) GetPending() [][]byte {
	b.n, b.hdr, b.skip, b.resync = 0, 0, 0, false
	return b.buf.take()
}

// Clone returns a Block with the same options and an empty buffer.
func (b *Block) Clone() Filter { return &Block{opts: b.opts, name: b.name} }
