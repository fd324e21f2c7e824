package filter

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/textproto"
	"strings"
)

// HTTPDOptions configures an HTTPD filter. The field names are
// POE::Filter::HTTPD's; the zero value is its default content limit.
type HTTPDOptions struct {
	// MaxContent bounds the body of a request, in bytes. Zero means
	// 1 MiB, as in POE.
	MaxContent int
	// MaxBuffer bounds the bytes of a request that are not body: the
	// request line, headers, chunk framing and trailers. Zero means 1 MiB
	// (POE: 512 MiB for the whole buffer).
	MaxBuffer int
}

const (
	defaultHTTPDMaxContent = 1 << 20
	defaultHTTPDMaxBuffer  = 1 << 20
	// maxChunkLine bounds a chunk-size line, extensions included.
	maxChunkLine = 4 << 10
)

func (o HTTPDOptions) withDefaults() HTTPDOptions {
	if o.MaxContent < 0 || o.MaxBuffer < 0 {
		panic("filter: NewHTTPD: negative limit")
	}
	if o.MaxContent == 0 {
		o.MaxContent = defaultHTTPDMaxContent
	}
	if o.MaxBuffer == 0 {
		o.MaxBuffer = defaultHTTPDMaxBuffer
	}
	return o
}

// chunked-body decoding states
const (
	chunkSize  = iota // expecting a chunk-size line
	chunkData         // inside a chunk's data
	chunkCRLF         // expecting the CRLF after a chunk's data
	chunkTrail        // expecting trailer fields or the final empty line
)

// HTTPD is POE::Filter::HTTPD on net/http: input records are
// *http.Request, output records are *http.Response.
//
// GetOne parses at most one request and leaves what follows it buffered, so
// pipelined requests come out one per call and a wheel may switch filters
// between them. The request's header is parsed by http.ReadRequest; its
// body, per Content-Length or chunked Transfer-Encoding, is read whole
// into Body (so RemoteAddr and TLS are for the server to fill in). A
// chunked request keeps ContentLength -1 and gets its trailer fields in
// Trailer, as net/http serves them.
//
// As in POE, a request that cannot be accepted is not an error: GetOne
// returns an *http.Response for the server to Put straight back, with
// Close set: 400 for a malformed request, 413 for content over MaxContent,
// 431 for headers or chunk framing over MaxBuffer.
// Its Request field holds the request when the header could be parsed.
// Since the rest of the stream cannot be trusted after that, the filter
// then discards all further input until it is cloned.
//
// HTTPD implements Sender: when a request with a body carries "Expect:
// 100-continue" and the body has not started to arrive, TakeOutput returns
// an interim "100 Continue" response (RFC 9110 section 10.1.1).
//
// An HTTPD is not safe for concurrent use.
type HTTPD struct {
	opts HTTPDOptions
	buf  buffer
	out  [][]byte // interim responses for TakeOutput

	scanned int // the end of the header block is not before this offset
	failed  bool

	// The request being read. Its bytes stay at the head of buf until it
	// is complete, so GetPending returns it whole.
	req     *http.Request
	hdrEnd  int   // length of its header block
	length  int64 // Content-Length, when not chunked
	chunked bool
	pos     int    // chunked: bytes of buf decoded so far
	state   int    // chunked: decoding state
	left    int64  // chunked: data bytes left in the current chunk
	body    []byte // chunked: content decoded so far
}

// NewHTTPD returns an HTTPD filter configured by opts (zero or one options
// struct).
func NewHTTPD(opts ...HTTPDOptions) *HTTPD {
	var o HTTPDOptions
	if len(opts) > 1 {
		panic("filter: NewHTTPD: more than one HTTPDOptions")
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	return &HTTPD{opts: o.withDefaults()}
}

// GetOneStart buffers copies of chunks.
func (h *HTTPD) GetOneStart(chunks [][]byte) {
	if h.failed {
		return
	}
	h.buf.write(chunks)
}

// GetOne returns the next complete request as an *http.Request, an
// *http.Response if the request cannot be accepted, or nothing.
func (h *HTTPD) GetOne() ([]any, error) {
	if h.failed {
		h.buf.reset()
		return nil, nil
	}
	if h.req == nil {
		if rec, done := h.readHeader(); !done {
			return rec, nil
		}
	}
	var body []byte
	var total int
	if h.chunked {
		done, status, err := h.readChunked()
		if err != nil {
			return h.fail(status, err.Error(), h.req), nil
		}
		if !done {
			return nil, nil
		}
		body, total = h.body, h.pos
		for k, v := range h.req.Trailer {
			if len(v) == 0 {
				delete(h.req.Trailer, k)
			}
		}
	} else {
		total = h.hdrEnd + int(h.length)
		if h.buf.len() < total {
			return nil, nil
		}
		body = append([]byte(nil), h.buf.bytes()[h.hdrEnd:total]...)
	}
	req := h.req
	if len(body) == 0 {
		req.Body = http.NoBody
	} else {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	h.buf.consume(total)
	h.next()
	return []any{req}, nil
}

// readHeader looks for a complete header block and parses it. It returns
// done == false with the record to return when the request is not ready
// for its body: more input is needed, or it failed.
func (h *HTTPD) readHeader() (rec []any, done bool) {
	// RFC 9112 section 2.2: ignore empty lines before the request line
	// (POE strips any leading whitespace, including the CR LF some
	// browsers send after a body).
	b := h.buf.bytes()
	k := 0
	for k < len(b) && (b[k] == '\r' || b[k] == '\n') {
		k++
	}
	if k > 0 {
		h.buf.consume(k)
		h.scanned = 0
		b = h.buf.bytes()
	}
	end := h.findHeaderEnd(b)
	if end < 0 {
		if len(b) > h.opts.MaxBuffer {
			return h.fail(http.StatusRequestHeaderFieldsTooLarge, fmt.Sprintf("More than %d octets of headers.", h.opts.MaxBuffer), nil), false
		}
		return nil, false
	}
	if end > h.opts.MaxBuffer {
		return h.fail(http.StatusRequestHeaderFieldsTooLarge, fmt.Sprintf("More than %d octets of headers.", h.opts.MaxBuffer), nil), false
	}
	req, err := http.ReadRequest(bufio.NewReaderSize(bytes.NewReader(b[:end]), min(max(end, 16), 4096)))
	if err != nil {
		return h.fail(http.StatusBadRequest, "Request parse failure: "+err.Error(), nil), false
	}
	h.req, h.hdrEnd, h.pos = req, end, end
	h.chunked = len(req.TransferEncoding) > 0 && req.TransferEncoding[0] == "chunked"
	if !h.chunked {
		h.length = max(req.ContentLength, 0)
		if h.length > int64(h.opts.MaxContent) {
			return h.fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("Content of %d octets not accepted.", h.length), req), false
		}
	}
	if (h.chunked || h.length > 0) && len(b) == end && req.ProtoAtLeast(1, 1) &&
		strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		h.out = append(h.out, []byte("HTTP/1.1 100 Continue\r\n\r\n"))
	}
	return nil, true
}

// findHeaderEnd returns the length of the header block at the head of b,
// up to and including the empty line that ends it, or -1.
func (h *HTTPD) findHeaderEnd(b []byte) int {
	for i := h.scanned; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		i += j
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			return i + 2
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			return i + 3
		}
		i++
	}
	// A newline in the last two bytes may still begin the empty line.
	h.scanned = max(0, len(b)-2)
	return -1
}

var errChunkFraming = errors.New("malformed chunked encoding")

// readChunked decodes the chunked body from h.pos on. It returns done when
// the final chunk and trailer are in, or an error with the status to
// answer.
func (h *HTTPD) readChunked() (done bool, status int, err error) {
	for {
		p := h.buf.bytes()[h.pos:]
		if overhead := h.pos - len(h.body); overhead > h.opts.MaxBuffer {
			return false, http.StatusRequestHeaderFieldsTooLarge, fmt.Errorf("more than %d octets of headers and chunk framing", h.opts.MaxBuffer)
		}
		switch h.state {
		case chunkSize:
			line, n, err := crlfLine(p, maxChunkLine)
			if err != nil || n == 0 {
				return false, http.StatusBadRequest, err
			}
			if i := bytes.IndexByte(line, ';'); i >= 0 {
				line = line[:i]
			}
			line = bytes.TrimRight(line, " \t")
			size, ok := parseHex(line)
			if !ok {
				return false, http.StatusBadRequest, fmt.Errorf("%w: bad chunk size %q", errChunkFraming, line)
			}
			if size > int64(h.opts.MaxContent-len(h.body)) {
				return false, http.StatusRequestEntityTooLarge, fmt.Errorf("content of more than %d octets not accepted", h.opts.MaxContent)
			}
			h.pos += n
			if size == 0 {
				h.state = chunkTrail
			} else {
				h.state, h.left = chunkData, size
			}
		case chunkData:
			k := min(int64(len(p)), h.left)
			if k == 0 {
				return false, 0, nil
			}
			h.body = append(h.body, p[:k]...)
			h.pos += int(k)
			if h.left -= k; h.left == 0 {
				h.state = chunkCRLF
			}
		case chunkCRLF:
			if len(p) < 2 {
				return false, 0, nil
			}
			if p[0] != '\r' || p[1] != '\n' {
				return false, http.StatusBadRequest, fmt.Errorf("%w: chunk data not followed by CRLF", errChunkFraming)
			}
			h.pos += 2
			h.state = chunkSize
		case chunkTrail:
			line, n, err := crlfLine(p, h.opts.MaxBuffer)
			if err != nil || n == 0 {
				return false, http.StatusBadRequest, err
			}
			h.pos += n
			if len(line) == 0 {
				return true, 0, nil
			}
			k, v, ok := bytes.Cut(line, []byte(":"))
			if !ok || len(k) == 0 || bytes.ContainsAny(k, " \t") {
				return false, http.StatusBadRequest, fmt.Errorf("%w: bad trailer field %q", errChunkFraming, line)
			}
			if h.req.Trailer == nil {
				h.req.Trailer = make(http.Header)
			}
			h.req.Trailer.Add(textproto.CanonicalMIMEHeaderKey(string(k)), string(bytes.TrimSpace(v)))
		}
	}
}

// crlfLine returns the line at the head of p without its CR LF, and the
// bytes it takes; n == 0 means incomplete. RFC 9112 section 7.1 lines end
// in CR LF: a bare LF is refused, as net/http refuses it, against request
// smuggling.
func crlfLine(p []byte, limit int) (line []byte, n int, err error) {
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		if len(p) > limit {
			return nil, 0, fmt.Errorf("%w: line longer than %d octets", errChunkFraming, limit)
		}
		return nil, 0, nil
	}
	if i == 0 || p[i-1] != '\r' {
		return nil, 0, fmt.Errorf("%w: line not ended by CRLF", errChunkFraming)
	}
	return p[:i-1], i + 1, nil
}

// parseHex parses a chunk size: 1 to 15 hex digits, so it fits an int64.
func parseHex(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range s {
		switch {
		case '0' <= c && c <= '9':
			n = n<<4 | int64(c-'0')
		case 'a' <= c && c <= 'f':
			n = n<<4 | int64(c-'a'+10)
		case 'A' <= c && c <= 'F':
			n = n<<4 | int64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// next resets the per-request state.
func (h *HTTPD) next() {
	h.req, h.hdrEnd, h.length, h.chunked = nil, 0, 0, false
	h.pos, h.state, h.left, h.body = 0, chunkSize, 0, nil
	h.scanned = 0
}

// fail returns POE's error response for status and stops reading.
func (h *HTTPD) fail(status int, detail string, req *http.Request) []any {
	h.failed = true
	h.buf.reset()
	h.next()
	text := http.StatusText(status)
	body := fmt.Sprintf("<html><head><title>Error %d: %s</title></head><body><h1>Error %d: %s</h1><p>%s</p></body></html>",
		status, text, status, text, html.EscapeString(detail))
	resp := &http.Response{
		Status:        fmt.Sprintf("%d %s", status, text),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"text/html"}},
		ContentLength: int64(len(body)),
		Body:          io.NopCloser(strings.NewReader(body)),
		Close:         true,
		Request:       req,
	}
	return []any{resp}
}

// Put writes each *http.Response with Response.Write, after reading its
// body: it fills in a missing protocol (HTTP/1.1) and status (200), and
// sets Content-Length from the body unless the response is chunked, has a
// positive ContentLength already, or has a status that forbids a body. The
// caller's response is not modified; its Body is read and closed.
func (h *HTTPD) Put(records []any) ([][]byte, error) {
	out := make([][]byte, 0, len(records))
	for _, r := range records {
		resp, ok := r.(*http.Response)
		if !ok || resp == nil {
			return nil, fmt.Errorf("filter: HTTPD.Put: %w: %T", ErrRecordType, r)
		}
		c, err := writeResponse(resp)
		if err != nil {
			return nil, fmt.Errorf("filter: HTTPD.Put: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

func writeResponse(resp *http.Response) ([]byte, error) {
	r := *resp
	if r.ProtoMajor == 0 && r.ProtoMinor == 0 {
		r.ProtoMajor, r.ProtoMinor, r.Proto = 1, 1, "HTTP/1.1"
	}
	if r.StatusCode == 0 {
		r.StatusCode = http.StatusOK
	}
	var data []byte
	if r.Body != nil {
		var err error
		data, err = io.ReadAll(r.Body)
		if cerr := r.Body.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("reading the response body: %w", err)
		}
	}
	chunked := len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked"
	noBody := r.StatusCode/100 == 1 || r.StatusCode == http.StatusNoContent || r.StatusCode == http.StatusNotModified
	if !chunked && !noBody && r.ContentLength <= 0 {
		r.ContentLength = int64(len(data))
	}
	r.Body = nil
	if len(data) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	var b bytes.Buffer
	b.Grow(len(data) + 256)
	if err := r.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// TakeOutput returns the interim responses GetOne queued, and forgets them.
func (h *HTTPD) TakeOutput() [][]byte {
	out := h.out
	h.out = nil
	return out
}

// GetPending returns the buffered input, from the start of the request
// being read, and empties the buffer.
func (h *HTTPD) GetPending() [][]byte {
	h.next()
	return h.buf.take()
}

// Clone returns an HTTPD with the same limits and an empty buffer.
func (h *HTTPD) Clone() Filter { return &HTTPD{opts: h.opts} }
