package filter

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// TLS record layout (RFC 8446 section 5.1, RFC 5246 section 6.2).
const (
	tlsHeaderLen     = 5
	tlsMaxCiphertext = 16384 + 2048 // the TLS 1.2 bound; TLS 1.3 is smaller
	tlsMaxPlaintext  = 16384
)

// sslEngine runs one tls.Conn on a goroutine over an in-memory net.Conn
// (sslMemConn). It is the one exception to "filters start no goroutines":
// crypto/tls has no sans-I/O API, and a would-block error from the
// underlying conn poisons a tls.Conn for good, so its reads must block.
//
// Determinism comes from quiescence: the caller hands ciphertext over,
// then waits (on cond, with no timer) until the goroutine has either
// exited or is blocked in Read with no whole record to take. At that point
// everything the input could produce (plaintext, handshake bytes, alerts)
// has been produced, so what a filter call returns depends only on its
// input, never on scheduling.
//
// The goroutine refers to the engine, never to the SSL that owns it, so a
// runtime cleanup on the SSL can stop it if the SSL is dropped unclosed.
type sslEngine struct {
	mu   sync.Mutex
	cond sync.Cond

	in      []byte   // ciphertext not yet read by crypto/tls
	unit    int      // bytes left of the unit crypto/tls is being given
	waiting bool     // the goroutine is blocked in Read with nothing to take
	closed  bool     // the in-memory conn is closed
	out     [][]byte // ciphertext crypto/tls wrote, for TakeOutput or Put

	started  bool
	exited   bool
	hsDone   bool
	hsFailed bool
	err      error    // why the goroutine exited (io.EOF: close_notify)
	plain    [][]byte // decrypted records not yet returned by GetOne
	peer     *sslPeer // set by the verify callback during the handshake
	state    tls.ConnectionState

	conn *tls.Conn
	done chan struct{}
}

func newSSLEngine() *sslEngine {
	e := &sslEngine{done: make(chan struct{})}
	e.cond.L = &e.mu
	return e
}

// run is the engine's goroutine: the handshake, then one Read per record.
func (e *sslEngine) run() {
	defer close(e.done)
	err := e.conn.Handshake()
	var st tls.ConnectionState
	if err == nil {
		st = e.conn.ConnectionState()
	}
	e.mu.Lock()
	if err != nil {
		e.err, e.hsFailed, e.exited = err, true, true
		e.cond.Broadcast()
		e.mu.Unlock()
		return
	}
	e.hsDone, e.state = true, st
	e.mu.Unlock()

	// A Read returns at most one record's plaintext (tls.Conn.Read drains
	// one record before reading the next), so each element of plain is
	// one TLS record, like the original's one SSL_read per get_one.
	buf := make([]byte, tlsMaxPlaintext)
	for {
		n, err := e.conn.Read(buf)
		e.mu.Lock()
		if n > 0 {
			e.plain = append(e.plain, bytes.Clone(buf[:n]))
		}
		if err != nil {
			e.err, e.exited = err, true
			e.cond.Broadcast()
			e.mu.Unlock()
			return
		}
		e.mu.Unlock()
	}
}

// feed appends ciphertext for crypto/tls and waits until the goroutine is
// quiescent. The engine owns chunks afterwards. Called from the filter's
// caller only.
func (e *sslEngine) feed(chunks [][]byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.exited && !e.closed {
		total := 0
		for _, c := range chunks {
			total += len(c)
		}
		switch {
		case total == 0:
		case len(e.in) == 0 && len(chunks) == 1:
			e.in = chunks[0] // the filter's own copy: take it, don't copy it again
		default:
			in := make([]byte, len(e.in), len(e.in)+total)
			copy(in, e.in)
			for _, c := range chunks {
				in = append(in, c...)
			}
			e.in = in
		}
		if total > 0 {
			e.waiting = false
		}
		e.cond.Broadcast()
	}
	for !e.waiting && !e.exited {
		e.cond.Wait()
	}
}

// takeOut returns and forgets what crypto/tls wrote.
func (e *sslEngine) takeOut() [][]byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.out
	e.out = nil
	return out
}

// shutdown closes the in-memory conn, which makes the goroutine's Read
// fail and the goroutine return. It does not wait.
func (e *sslEngine) shutdown() {
	e.mu.Lock()
	e.closed = true
	e.cond.Broadcast()
	e.mu.Unlock()
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
			if len(e.in) == 0 {
				e.in = nil
			}
			e.unit -= k
			e.waiting = false
			return k, nil
		}
		e.waiting = true
		e.cond.Broadcast()
		e.cond.Wait()
	}
}

func (m sslMemConn) Write(p []byte) (int, error) {
	e := m.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return 0, net.ErrClosed
	}
	// crypto/tls reuses p; one copy per write (a record, or a flight of
	// handshake messages) avoids regrowing one big buffer.
	e.out = append(e.out, bytes.Clone(p))
	return len(p), nil
}

func (m sslMemConn) Close() error {
	m.e.shutdown()
	return nil
}

func (sslMemConn) LocalAddr() net.Addr  { return sslAddr{} }
func (sslMemConn) RemoteAddr() net.Addr { return sslAddr{} }

// Deadlines mean nothing here: Write never blocks, and Read blocks only
// until the filter's caller feeds input or closes.
func (sslMemConn) SetDeadline(time.Time) error      { return nil }
func (sslMemConn) SetReadDeadline(time.Time) error  { return nil }
func (sslMemConn) SetWriteDeadline(time.Time) error { return nil }
