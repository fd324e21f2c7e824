package filter_test

import (
	"bytes"
	"crypto/tls"
	"sync"
	"testing"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/internal/testcert"
)

var (
	pkiOnce sync.Once
	pkiVal  *testcert.PKI
	pkiErr  error
)

// testPKI returns the PKI shared by this package's tests, made once.
func testPKI(tb testing.TB) *testcert.PKI {
	tb.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = testcert.New() })
	if pkiErr != nil {
		tb.Fatalf("testcert.New: %v", pkiErr)
	}
	return pkiVal
}

// serverOpts is a server with the test PKI's server certificate.
func serverOpts(tb testing.TB) filter.SSLOptions {
	p := testPKI(tb)
	return filter.SSLOptions{CrtMem: p.Server.CertPEM, KeyMem: p.Server.KeyPEM}
}

func mustSSL(tb testing.TB, o filter.SSLOptions) *filter.SSL {
	tb.Helper()
	f, err := filter.NewSSL(o)
	if err != nil {
		tb.Fatalf("NewSSL: %v", err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// end is one side of an in-memory connection between two SSL filters.
type end struct {
	name string
	f    *filter.SSL
	got  [][]byte // plaintext records GetOne returned
	err  error    // the first error GetOne returned
}

func (e *end) text() string { return string(bytes.Join(e.got, nil)) }

// deliver feeds chunks to e and drains GetOne.
func (e *end) deliver(chunks [][]byte) {
	e.f.GetOneStart(chunks)
	for range 100000 {
		rec, err := e.f.GetOne()
		if err != nil {
			if e.err == nil {
				e.err = err
			}
			return
		}
		if len(rec) == 0 {
			return
		}
		e.got = append(e.got, rec[0].([]byte))
	}
	panic("GetOne never ran dry")
}

// wire carries bytes between two ends, as a socket would.
type wire struct {
	a, b     *end
	toA, toB [][]byte
	bytesAB  int
}

func newWire(client, server *filter.SSL) *wire {
	return &wire{a: &end{name: "client", f: client}, b: &end{name: "server", f: server}}
}

// put encrypts records on side x and puts the result on the wire.
func (w *wire) put(tb testing.TB, x *end, records ...any) {
	tb.Helper()
	out, err := x.f.Put(records)
	if err != nil {
		tb.Fatalf("%s.Put(%q): %v", x.name, records, err)
	}
	if x == w.a {
		w.toB = append(w.toB, out...)
	} else {
		w.toA = append(w.toA, out...)
	}
}

// run moves bytes both ways until neither side has anything to send.
func (w *wire) run(tb testing.TB) {
	tb.Helper()
	for range 1000 {
		w.toB = append(w.toB, w.a.f.TakeOutput()...)
		w.toA = append(w.toA, w.b.f.TakeOutput()...)
		if len(w.toA) == 0 && len(w.toB) == 0 {
			return
		}
		if len(w.toB) > 0 {
			c := w.toB
			w.toB = nil
			for _, x := range c {
				w.bytesAB += len(x)
			}
			w.b.deliver(c)
		}
		if len(w.toA) > 0 {
			c := w.toA
			w.toA = nil
			w.a.deliver(c)
		}
	}
	tb.Fatal("wire.run: the ends never stopped talking")
}

// handshake wires client and server and runs the handshake.
func handshake(tb testing.TB, client, server *filter.SSL) *wire {
	tb.Helper()
	w := newWire(client, server)
	w.run(tb)
	return w
}

func tlsVersion(f *filter.SSL) string {
	st, ok := f.ConnectionState()
	if !ok {
		return "none"
	}
	return tls.VersionName(st.Version)
}
