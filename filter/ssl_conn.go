package filter

import (
	"crypto/tls"
	"iter"
	"net"
	"sync"
	"time"
)

// TLS record layout (RFC 8446 section 5.1, RFC 5246 section 6.2).
const (
	tlsHeaderLen     = 5
	tlsMaxCiphertext = 16384 + 2048 // the TLS 1.2 bound; TLS 1.3 is smaller
	tlsMaxPlaintext  = 16384
	// tlsMaxOverhead bounds what a record adds to its plaintext with the
	// suites crypto/tls offers: header, explicit IV or nonce, MAC or tag,
	// CBC padding, TLS 1.3's inner content type.
	tlsMaxOverhead = 96
	// tlsSmallRecord is a little under the plaintext of crypto/tls's
	// smallest records, which it sends at the start of a connection
	// (dynamic record sizing, about one TCP segment each).
	tlsSmallRecord = 1024
	// sslPoolMax is the largest input buffer that goes back to the pool.
	sslPoolMax = 256 << 10
	// sslBigWrite is the size from which a write gets a buffer of its
	// own; sslMaxShared caps the buffer small writes share.
	sslBigWrite  = 8 << 10
	sslMaxShared = 32 << 10
)

// sslEngine runs one tls.Conn over an in-memory net.Conn (sslMemConn).
//
// crypto/tls has no sans-I/O API, and any error from the underlying conn
// during the handshake fails the handshake for good, so the handshake
// must run where a read can wait for input. It runs in a coroutine
// (iter.Pull): the memory conn's Read, finding no whole record, yields to
// the filter's caller, and the next input resumes it. Only one of the two
// ever runs, the switch is a direct hand-off that needs no scheduler, and
// what a filter call returns depends only on its input. The coroutine is
// the one exception to "filters start no goroutines", and it lives only
// as long as the handshake: once the handshake is over (done or failed)
// it returns. After a successful handshake the filter's caller decrypts
// itself, calling tls.Conn.Read directly: the memory conn then answers a
// read with no whole record with errSSLWouldBlock, a temporary
// net.Error, which crypto/tls passes up without marking the connection
// broken (crypto/tls's readRecordOrCCS). Put encrypts on the caller's
// goroutine at all times.
//
// The coroutine refers to the engine, never to the SSL that owns it, so a
// runtime cleanup on the SSL can end it if the SSL is dropped unclosed.
type sslEngine struct {
	// mu guards what the methods that report on the connection read;
	// the coroutine and the caller never run at once.
	mu sync.Mutex

	// in is the ciphertext not yet read by crypto/tls. It lives in inBuf,
	// a buffer from sslInPool that the engine holds while it has input
	// and gives back when in is empty, so that feeding input allocates
	// nothing in the steady state and an idle connection holds no
	// buffer.
	in     []byte
	inBuf  *sslBuf
	unit   int  // bytes left of the unit crypto/tls is being given
	closed bool // the in-memory conn is closed
	// out is the ciphertext crypto/tls wrote, for TakeOutput or Put,
	// handed over (not copied) when taken. Small writes share a buffer;
	// see Write.
	out     [][]byte
	outHint int // bytes Put is about to write, to size shared buffers

	running   bool // the handshake coroutine has not returned
	exited    bool // the connection ended: handshake failure, error, EOF
	hsDone    bool // the handshake succeeded: reads no longer wait
	hsFailed  bool
	err       error    // why the connection ended (io.EOF: close_notify)
	plain     [][]byte // plain[plainHead:]: records not yet returned by GetOne
	plainHead int
	peer      *sslPeer // set by the verify callback during the handshake
	state     tls.ConnectionState

	conn *tls.Conn
	// resume runs the handshake coroutine until it wants input or
	// returns; stop makes its pending read fail and lets it return.
	resume func() (struct{}, bool)
	stop   func()
	yield  func(struct{}) bool // the coroutine's; used by sslMemConn.Read
}

func newSSLEngine() *sslEngine { return &sslEngine{} }

// begin makes the handshake coroutine; it starts at the first feed.
func (e *sslEngine) begin() {
	e.running = true
	e.resume, e.stop = iter.Pull(e.run)
}

// run is the handshake coroutine.
func (e *sslEngine) run(yield func(struct{}) bool) {
	e.yield = yield
	err := e.conn.Handshake()
	var st tls.ConnectionState
	if err == nil {
		st = e.conn.ConnectionState()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.running = false
	if err != nil {
		e.err, e.hsFailed, e.exited = err, true, true
		return
	}
	e.hsDone, e.state = true, st
}

// sslBuf is a pooled buffer.
type sslBuf struct{ b []byte }

var (
	// sslInPool holds input buffers that no engine uses.
	sslInPool sync.Pool
	// sslPlainPool holds scratch buffers for one record's plaintext.
	sslPlainPool = sync.Pool{New: func() any { return &sslBuf{make([]byte, tlsMaxPlaintext)} }}
)

// appendInLocked adds ciphertext to in. The caller holds mu; the
// handshake coroutine, if any, is suspended.
func (e *sslEngine) appendInLocked(chunks [][]byte, total int) {
	if total == 0 {
		return
	}
	if e.inBuf == nil {
		if b, ok := sslInPool.Get().(*sslBuf); ok {
			e.inBuf = b
		} else {
			e.inBuf = &sslBuf{}
		}
	}
	if len(e.in) == 0 {
		e.in = e.inBuf.b[:0]
	}
	if need := len(e.in) + total; cap(e.in) < need {
		// Move what is left (at most a record, normally) to the front
		// of inBuf, or to a bigger buffer.
		if cap(e.inBuf.b) < need {
			e.inBuf.b = make([]byte, 0, max(need, 2*cap(e.inBuf.b), 4096))
		}
		e.in = append(e.inBuf.b[:0], e.in...)
	}
	for _, c := range chunks {
		e.in = append(e.in, c...)
	}
}

// releaseIn gives the input buffer back to the pool if nothing is left
// in it and the handshake coroutine is gone (it reads in while it runs).
func (e *sslEngine) releaseIn() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running || len(e.in) > 0 || e.inBuf == nil {
		return
	}
	if cap(e.inBuf.b) <= sslPoolMax {
		sslInPool.Put(e.inBuf)
	}
	e.in, e.inBuf = nil, nil
}

// takeInLocked hands in to the caller, who owns it from now on.
func (e *sslEngine) takeInLocked() []byte {
	in := e.in
	e.in, e.inBuf, e.unit = nil, nil, 0
	return in
}

// feed appends ciphertext for crypto/tls and, while the handshake
// coroutine runs, resumes it until it wants more input or returns.
// Called from the filter's caller only.
func (e *sslEngine) feed(chunks [][]byte) {
	total := 0
	for _, c := range chunks {
		total += len(c)
	}
	e.mu.Lock()
	e.appendInLocked(chunks, total)
	run := e.running && !e.closed
	e.mu.Unlock()
	if run {
		e.resume()
	}
}

// decrypt reads every whole record in, after the handshake, on the
// caller's goroutine, and queues the plaintext for GetOne. It stops at
// the first record that is not whole, at close_notify (err io.EOF) or
// at an error, which ends the connection.
func (e *sslEngine) decrypt() {
	var scratch *sslBuf
	defer func() {
		if scratch != nil {
			sslPlainPool.Put(scratch)
		}
	}()
	for {
		e.mu.Lock()
		more := e.hsDone && !e.exited && !e.closed && e.deliverableLocked() > 0
		e.mu.Unlock()
		if !more {
			return
		}
		if scratch == nil {
			scratch = sslPlainPool.Get().(*sslBuf)
		}
		// crypto/tls returns at most one record's plaintext per Read
		// (it drains a record before reading the next), so each element
		// of plain is one TLS record, like the original's one SSL_read
		// per get_one. It is read into a scratch buffer that stays in
		// cache and copied out at its exact size: an append, which
		// does not zero the new memory first as make would.
		n, err := e.conn.Read(scratch.b)
		e.mu.Lock()
		if n > 0 {
			e.plain = append(e.plain, append([]byte(nil), scratch.b[:n]...))
		}
		if err != nil && err != errSSLWouldBlock {
			e.err, e.exited = err, true
		}
		e.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// reserveOut says that about n bytes of output are coming, so that
// Write sizes the buffer it starts for small records to hold them all.
func (e *sslEngine) reserveOut(n int) {
	e.mu.Lock()
	e.outHint = n
	e.mu.Unlock()
}

// takeOut returns and forgets what crypto/tls wrote.
func (e *sslEngine) takeOut() [][]byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.out
	e.out, e.outHint = nil, 0
	return out
}

// shutdown closes the in-memory conn, so that a pending or later Read
// fails.
func (e *sslEngine) shutdown() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
}

// end closes the in-memory conn and lets the handshake coroutine, if it
// still waits for input, fail and return. The runtime cleanup of an SSL
// dropped unclosed calls it too.
func (e *sslEngine) end() {
	e.shutdown()
	if e.stop != nil {
		e.stop()
	}
}

// deliverableLocked returns how many bytes of in crypto/tls may read now.
// It hands over whole records only, so that at quiescence the bytes still
// in `in` are exactly what crypto/tls has not consumed: an unfinished
// record, or what follows the peer's close_notify. A header that cannot
// start a TLS record is handed over at once, so that crypto/tls rejects
// it now instead of waiting for a body that will never make sense.
func (e *sslEngine) deliverableLocked() int {
	if e.unit > 0 {
		return e.unit
	}
	in := e.in
	if len(in) == 0 {
		return 0
	}
	if in[0] < 20 || in[0] > 24 || (len(in) > 1 && in[1] != 3) {
		return len(in)
	}
	if len(in) < tlsHeaderLen {
		return 0
	}
	n := int(in[3])<<8 | int(in[4])
	if n > tlsMaxCiphertext {
		return len(in)
	}
	if len(in) < tlsHeaderLen+n {
		return 0
	}
	return tlsHeaderLen + n
}

// sslWouldBlockError is what the memory conn's Read returns after the
// handshake when no whole record is buffered. It is temporary, so
// crypto/tls returns it from Read without failing the connection.
type sslWouldBlockError struct{}

func (sslWouldBlockError) Error() string   { return "filter: ssl: no whole record buffered" }
func (sslWouldBlockError) Timeout() bool   { return true }
func (sslWouldBlockError) Temporary() bool { return true }

var errSSLWouldBlock net.Error = sslWouldBlockError{}

// sslMemConn is the net.Conn under the engine's tls.Conn.
type sslMemConn struct{ e *sslEngine }

type sslAddr struct{}

func (sslAddr) Network() string { return "memory" }
func (sslAddr) String() string  { return "filter.SSL" }

func (m sslMemConn) Read(p []byte) (int, error) {
	e := m.e
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		if e.closed {
			return 0, net.ErrClosed
		}
		if len(p) == 0 {
			return 0, nil
		}
		if n := e.deliverableLocked(); n > 0 {
			if e.unit == 0 {
				e.unit = n
			}
			k := copy(p, e.in[:min(len(p), e.unit)])
			e.in = e.in[k:]
			e.unit -= k
			return k, nil
		}
		if e.hsDone {
			return 0, errSSLWouldBlock
		}
		// The handshake wants input: back to the filter's caller until
		// the next feed. A false yield is stop: give up.
		e.mu.Unlock()
		more := e.yield(struct{}{})
		e.mu.Lock()
		if !more {
			return 0, net.ErrClosed
		}
	}
}

func (m sslMemConn) Write(p []byte) (int, error) {
	e := m.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return 0, net.ErrClosed
	}
	// crypto/tls reuses p, so it is copied. A small write (a handshake
	// message, a short record) goes into the last buffer if it fits, or
	// a new one sized for what Put announced, so a Put of many short
	// records makes one buffer. A big record gets a buffer of its own:
	// allocations up to 32 KiB come from the per-P caches and reuse
	// memory the GC freed, where one buffer for a whole 64 KiB Put would
	// be a large allocation, fresh pages every time.
	if k := len(e.out); k > 0 && cap(e.out[k-1])-len(e.out[k-1]) >= len(p) {
		e.out[k-1] = append(e.out[k-1], p...)
	} else if len(p) >= sslBigWrite {
		e.out = append(e.out, append([]byte(nil), p...))
	} else {
		b := make([]byte, 0, min(max(e.outHint, len(p)), sslMaxShared))
		e.out = append(e.out, append(b, p...))
	}
	e.outHint = max(e.outHint-len(p), 0)
	return len(p), nil
}

func (m sslMemConn) Close() error {
	m.e.shutdown()
	return nil
}

func (sslMemConn) LocalAddr() net.Addr  { return sslAddr{} }
func (sslMemConn) RemoteAddr() net.Addr { return sslAddr{} }

// Deadlines mean nothing here: Write never blocks, and Read waits only
// during the handshake, until the filter's caller feeds input or closes.
func (sslMemConn) SetDeadline(time.Time) error      { return nil }
func (sslMemConn) SetReadDeadline(time.Time) error  { return nil }
func (sslMemConn) SetWriteDeadline(time.Time) error { return nil }
