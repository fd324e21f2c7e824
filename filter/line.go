package filter

import (
	"bytes"
	"fmt"
	"regexp"
)

// LineOptions configures a Line filter. The field names are
// POE::Filter::Line's; the zero value is its default: input lines end at any
// of CR LF, LF CR, LF or CR, and output lines get CR LF.
type LineOptions struct {
	// Literal is the terminator for both input and output. It excludes
	// every other terminator option.
	Literal string
	// InputLiteral is the input terminator. It excludes InputRegexp.
	InputLiteral string
	// OutputLiteral is appended to each record by Put. Empty means CR LF.
	OutputLiteral string
	// InputRegexp matches input terminators. Lines end at the leftmost
	// non-empty match, as POE's s/^(.*?)$regexp//s does.
	InputRegexp *regexp.Regexp
	// Autodetect is POE's InputLiteral => undef: the first newline seen
	// (CR LF, LF CR, LF or CR) becomes the only input terminator. It
	// excludes InputLiteral and InputRegexp.
	Autodetect bool
	// MaxLength bounds a line, without its terminator, in bytes. Zero
	// means 1 MiB (POE: 64 MiB).
	MaxLength int
}

const defaultLineMaxLength = 1 << 20

// regexpOverlap is how much of an over-long line Line keeps while it skips
// to the next InputRegexp terminator, so that a terminator split across the
// discarded part is still found (up to this length).
const regexpOverlap = 1 << 10

// withDefaults validates o and fills in the defaults. Conflicts between
// terminator options are programmer errors, as POE croaks on them.
func (o LineOptions) withDefaults() LineOptions {
	if o.Literal != "" && (o.InputLiteral != "" || o.OutputLiteral != "" || o.InputRegexp != nil || o.Autodetect) {
		panic("filter: NewLine: Literal excludes every other terminator option")
	}
	if o.InputLiteral != "" && o.InputRegexp != nil {
		panic("filter: NewLine: InputLiteral and InputRegexp exclude each other")
	}
	if o.Autodetect && (o.InputLiteral != "" || o.InputRegexp != nil) {
		panic("filter: NewLine: Autodetect excludes InputLiteral and InputRegexp")
	}
	if o.MaxLength < 0 {
		panic("filter: NewLine: negative MaxLength")
	}
	if o.Literal != "" {
		o.InputLiteral, o.OutputLiteral = o.Literal, o.Literal
	}
	if o.OutputLiteral == "" {
		o.OutputLiteral = "\r\n"
	}
	if o.MaxLength == 0 {
		o.MaxLength = defaultLineMaxLength
	}
	return o
}

type lineMode uint8

const (
	lineAnyNewline lineMode = iota // POE's default (\x0D\x0A?|\x0A\x0D?)
	lineLiteral                    // InputLiteral, or a detected newline
	lineRegexp                     // InputRegexp
	lineAutoFirst                  // Autodetect, no newline seen yet
	lineAutoSecond                 // Autodetect, a one-byte newline ended the buffer
)

// Line is POE::Filter::Line: it splits a byte stream into lines and appends
// a terminator to the lines it puts. Input records are strings without their
// terminator; Put accepts strings and byte slices.
//
// A lone CR or LF at the very end of the buffered input ends a line at once,
// as in POE. If the next byte to arrive is its other half (LF after CR, CR
// after LF), Line drops it instead of reporting an empty line, so the
// records do not depend on where the chunks were cut; POE reports that empty
// line. A wheel that switches filters right after a line that ended a chunk
// with a lone CR hands that LF to the next filter, so a protocol that
// switches filters (STARTTLS) works best with lines that end in LF, or with
// a CR LF that arrives whole.
//
// A line longer than MaxLength makes GetOne return an error wrapping
// ErrTooLong. Line drops the over-long line, up to and including its
// terminator even if that arrives later, and then goes on with the next
// line, so one bad line does not end the stream.
//
// A Line is not safe for concurrent use.
type Line struct {
	opts   LineOptions
	output []byte

	mode  lineMode
	input []byte // the input terminator in lineLiteral

	buf        buffer
	scanned    int  // a terminator, if any, starts at or after this offset
	complement byte // lineAnyNewline: drop this byte if it comes next
	skipping   bool // dropping the rest of an over-long line
}

// NewLine returns a Line filter configured by opts (zero or one options
// struct). It panics if the options conflict, as POE croaks.
func NewLine(opts ...LineOptions) *Line {
	var o LineOptions
	if len(opts) > 1 {
		panic("filter: NewLine: more than one LineOptions")
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	o = o.withDefaults()
	l := &Line{opts: o, output: []byte(o.OutputLiteral)}
	l.start()
	return l
}

// start sets the parsing state for a fresh stream.
func (l *Line) start() {
	switch {
	case l.opts.InputLiteral != "":
		l.mode, l.input = lineLiteral, []byte(l.opts.InputLiteral)
	case l.opts.InputRegexp != nil:
		l.mode = lineRegexp
	case l.opts.Autodetect:
		l.mode, l.input = lineAutoFirst, nil
	default:
		l.mode = lineAnyNewline
	}
	l.scanned, l.complement, l.skipping = 0, 0, false
}

// GetOneStart buffers chunks (copying them) for GetOne.
func (l *Line) GetOneStart(chunks [][]byte) { l.buf.write(chunks) }

// GetOne returns the next line as a string, or nothing if no complete line
// is buffered.
func (l *Line) GetOne() ([]any, error) { return l.AppendOne(nil) }

// AppendOne is GetOne appending the line, if any, to dst, without the
// slice GetOne allocates; on error it returns dst as given. ReadWrite
// parses with it when its input filter is a *Line, reusing one slice for
// every record.
func (l *Line) AppendOne(dst []any) ([]any, error) {
	for {
		if l.complement != 0 || l.mode == lineAutoSecond {
			// A one-byte newline ended the buffer last time: see whether
			// the next byte completes it (POE's AUTO_STATE_SECOND).
			if l.buf.len() == 0 {
				return dst, nil
			}
			first := l.buf.bytes()[0]
			if l.mode == lineAutoSecond {
				if first == otherNewline(l.input[0]) {
					l.input = append(l.input, first)
					l.buf.consume(1)
				}
				l.mode = lineLiteral
			} else {
				if first == l.complement {
					l.buf.consume(1)
				}
				l.complement = 0
			}
		}

		b := l.buf.bytes()
		start, end := l.find(b)
		if start < 0 {
			return dst, l.noTerminator(b)
		}
		var line string
		if !l.skipping && start <= l.opts.MaxLength {
			line = string(b[:start])
		}
		tooLong := start > l.opts.MaxLength
		wasSkipping := l.skipping
		l.skipping = false
		if end == len(b) && end-start == 1 && (l.mode == lineAnyNewline || l.mode == lineAutoFirst) {
			// A lone CR or LF ends the buffer: it may be half of a
			// two-byte newline still on the wire.
			if l.mode == lineAutoFirst {
				l.mode, l.input = lineAutoSecond, []byte{b[start]}
			} else {
				l.complement = otherNewline(b[start])
			}
		} else if l.mode == lineAutoFirst {
			l.mode, l.input = lineLiteral, append([]byte(nil), b[start:end]...)
		}
		l.buf.consume(end)
		l.scanned = 0
		if wasSkipping {
			continue
		}
		if tooLong {
			return dst, fmt.Errorf("filter: Line: %w: line of %d bytes, MaxLength %d", ErrTooLong, start, l.opts.MaxLength)
		}
		return append(dst, line), nil
	}
}

// noTerminator handles a buffer b without a complete terminator: past
// MaxLength it drops what cannot belong to a terminator and starts skipping.
func (l *Line) noTerminator(b []byte) error {
	keep := 0 // bytes at the end that may begin a terminator
	switch l.mode {
	case lineLiteral:
		keep = min(len(l.input)-1, len(b))
	case lineRegexp:
		keep = min(regexpOverlap, len(b))
	}
	if l.skipping {
		if len(b)-keep > 0 {
			l.buf.consume(len(b) - keep)
			l.scanned = keep
		}
		return nil
	}
	if len(b)-keep <= l.opts.MaxLength {
		return nil
	}
	l.buf.consume(len(b) - keep)
	l.scanned = 0
	l.skipping = true
	return fmt.Errorf("filter: Line: %w: more than %d bytes without a terminator", ErrTooLong, l.opts.MaxLength)
}

// find returns the first terminator in b as [start, end), or -1, -1.
func (l *Line) find(b []byte) (start, end int) {
	switch l.mode {
	case lineAnyNewline, lineAutoFirst:
		i := indexNewline(b[l.scanned:])
		if i < 0 {
			l.scanned = len(b)
			return -1, -1
		}
		i += l.scanned
		if i+1 < len(b) && b[i+1] == otherNewline(b[i]) {
			return i, i + 2
		}
		return i, i + 1
	case lineLiteral:
		from := max(0, l.scanned-len(l.input)+1)
		i := bytes.Index(b[from:], l.input)
		if i < 0 {
			l.scanned = len(b)
			return -1, -1
		}
		return from + i, from + i + len(l.input)
	default: // lineRegexp
		loc := l.opts.InputRegexp.FindIndex(b)
		if loc != nil && loc[0] == loc[1] {
			// An empty terminator would make POE loop forever; only a
			// non-empty match ends a line.
			loc = nil
			for _, m := range l.opts.InputRegexp.FindAllIndex(b, -1) {
				if m[0] < m[1] {
					loc = m
					break
				}
			}
		}
		if loc == nil {
			return -1, -1
		}
		return loc[0], loc[1]
	}
}

// indexNewline returns the index of the first CR or LF in b, or -1.
func indexNewline(b []byte) int {
	n := bytes.IndexByte(b, '\n')
	head := b
	if n >= 0 {
		head = b[:n]
	}
	if r := bytes.IndexByte(head, '\r'); r >= 0 {
		return r
	}
	return n
}

// otherNewline returns the byte that pairs with c in a two-byte newline.
func otherNewline(c byte) byte {
	if c == '\r' {
		return '\n'
	}
	return '\r'
}

// Put returns one chunk per record: the record followed by the output
// terminator. Records must be strings or byte slices.
func (l *Line) Put(records []any) ([][]byte, error) {
	out, err := l.AppendPut(make([][]byte, 0, len(records)), records)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AppendPut is append(dst, the chunks of Put(records)...), without the
// slice Put allocates; on error it returns dst as given. ReadWrite puts
// with it when its output filter is of this type.
func (l *Line) AppendPut(dst [][]byte, records []any) ([][]byte, error) {
	out := dst
	for _, r := range records {
		var c []byte
		switch v := r.(type) {
		case string:
			c = make([]byte, 0, len(v)+len(l.output))
			c = append(c, v...)
		case []byte:
			c = make([]byte, 0, len(v)+len(l.output))
			c = append(c, v...)
		default:
			clear(out[len(dst):])
			return dst, fmt.Errorf("filter: Line.Put: %w: %T", ErrRecordType, r)
		}
		out = append(out, append(c, l.output...))
	}
	return out, nil
}

// GetPending returns the buffered input that is not yet a line, and empties
// the buffer.
func (l *Line) GetPending() [][]byte {
	p := l.buf.take()
	l.scanned = 0
	return p
}

// Clone returns a Line with the same options and a fresh stream state: an
// autodetected newline is detected again.
func (l *Line) Clone() Filter {
	c := &Line{opts: l.opts, output: l.output}
	c.start()
	return c
}
