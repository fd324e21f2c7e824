// Package filter holds POE's filters: codecs between the bytes of a stream
// and the records a session handles. Each one is a port of a POE::Filter
// class: Line, Stream, Block, RecordBlock, Grep, Map, Reference, Stackable
// and HTTPD (SSL lives beside them in ssl.go).
//
// A filter is a pure codec: it starts no goroutines and does no I/O, and it
// is used from one goroutine at a time (a wheel calls it from its session's
// handlers). GetOneStart only buffers; GetOne parses one record when asked,
// so a wheel may switch filters between two records and hand the old
// filter's GetPending to the new one (STARTTLS, a protocol that turns from
// lines to blocks). Clone gives a filter with the same settings and empty
// buffers, which is how a component turns a filter given as an option into
// one filter per connection.
//
// Usage, as a wheel drives a filter:
//
//	f := filter.NewLine() // lines end in CR LF, LF CR, LF or CR; Put adds CR LF
//	f.GetOneStart([][]byte{[]byte("HELO there\r\nQUIT\r")})
//	for {
//		recs, err := f.GetOne()
//		if err != nil { /* ErrTooLong, ErrMalformed: report it */ }
//		if len(recs) == 0 {
//			break // need more input
//		}
//		line := recs[0].(string) // "HELO there", then "QUIT"
//		_ = line
//	}
//	out, _ := f.Put([]any{"250 ok"}) // [][]byte{"250 ok\r\n"}
//	_ = out
//
// Filters combine in a Stackable, from the wire up: Stackable{Block, Line}
// reads lines carried in length-prefixed blocks. Record filters (Grep, Map,
// RecordBlock) implement RecordFilter, so in a stack they see the records
// of the filter below them (strings from Line, *http.Request from HTTPD)
// rather than bytes. A filter that must send while it decodes implements
// Sender; Stackable forwards that output through the filters below it.
//
// Every filter that buffers input bounds it, and past the bound GetOne
// returns an error wrapping ErrTooLong; the byte filters then drop the
// offending record and resynchronise on the next one. Stream, Grep, Map and
// RecordBlock need no bound: they never hold more than the input given
// since the last GetOne (RecordBlock: fewer than BlockSize items). The
// bounds assume the wheel calls GetOne after each GetOneStart until it
// returns nothing, as POE's wheels do.
//
// # Differences from POE
//
//   - Options are structs with POE's parameter names; their zero value is
//     POE's default, except that Line's MaxLength is 1 MiB (POE: 64 MiB),
//     Reference's MaxBuffer 64 MiB and HTTPD's MaxBuffer 1 MiB (POE: 512
//     MiB). POE::Filter::Line's InputLiteral => undef is LineOptions
//     Autodetect. Conflicting options panic, where POE croaks.
//   - Line: a CR LF (or LF CR) cut between two chunks is one newline; POE's
//     default also reports an empty line for it. A line over MaxLength is
//     reported as soon as the buffer passes MaxLength (POE waits for its
//     terminator and relies on MaxBuffer) and is dropped up to its
//     terminator. An InputRegexp match of length zero does not end a line
//     (in POE it loops forever). An empty OutputLiteral means CR LF.
//   - Block: GetPending keeps the header of a partial block, so a new
//     filter gets the block whole (POE has consumed the header). Garbage
//     before a header is an error wrapping ErrMalformed (POE warns), reported
//     once per run of garbage; a header over MaxLength is an error and its
//     block is skipped. LengthCodec is a pair of functions with explicit
//     header lengths instead of POE's in-place buffer edits. Put refuses a
//     record over MaxLength, so a peer with the same settings can read it.
//   - Reference serializes with encoding/gob (any Serializer can replace
//     it) instead of Storable, so concrete types need gob.Register; gob, like
//     Storable, trusts its input. Compression and NoFatals are not offered:
//     decoding errors are GetOne errors.
//   - Grep and Map take func(any) bool and func(any) any; a nil function
//     keeps or leaves records as they are (POE requires Code or Get and Put).
//     Map's functions return one record each. On their own, each chunk
//     given to GetOneStart is one []byte record.
//   - RecordBlock: GetPending returns the items that are bytes;
//     GetPendingRecords returns them all.
//   - Stackable: GetOne is lazy (the top filter is asked first), where POE
//     strobes every filter each time; the records are the same. Shift hands
//     the removed filter's pending input to the new bottom filter with
//     GetOneStart, as POE documents (POE's code passes it to put and loses
//     it). GetPending returns the bottom filter's pending input only; POE
//     puts each filter's pending into the next one's put. An empty stack is
//     a Stream.
//   - HTTPD parses with net/http: HTTP/0.9 requests are refused (400),
//     chunked request bodies are supported, Content-Encoding alone does not
//     ask for a length (POE answers 411). Errors are 400, 413 or 431
//     responses with Close set, and after one the filter discards its input
//     until cloned, since the stream cannot be trusted (POE resumes
//     parsing). The error page escapes the request text it quotes. Put
//     sets Content-Length from the body and defaults to HTTP/1.1 and status
//     200 (POE: HTTP/1.0, no length). HTTPD answers "Expect: 100-continue"
//     through Sender. Streaming mode is not offered; MaxContent bounds a
//     body.
//   - Records are Go values: Line returns string, Stream and Block []byte.
//     Put takes string or []byte where POE takes a scalar, and returns one
//     chunk per record (Block with BlockSize: one chunk in all). Filters copy
//     what they are given and what they return.
package filter
