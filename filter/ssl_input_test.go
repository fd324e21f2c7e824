package filter_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/filter"
)

// lineSplitter is a minimal line filter standing in for filter.Line (which
// lives on another branch): enough to show a plaintext protocol handing
// its unread bytes to SSL, as STARTTLS does.
type lineSplitter struct{ buf []byte }

func (l *lineSplitter) GetOneStart(chunks [][]byte) {
	for _, c := range chunks {
		l.buf = append(l.buf, c...)
	}
}

func (l *lineSplitter) GetOne() ([]any, error) {
	i := bytes.Index(l.buf, []byte("\r\n"))
	if i < 0 {
		return nil, nil
	}
	line := string(l.buf[:i])
	l.buf = l.buf[i+2:]
	return []any{line}, nil
}

func (l *lineSplitter) Put(records []any) ([][]byte, error) {
	var out [][]byte
	for _, r := range records {
		out = append(out, []byte(r.(string)+"\r\n"))
	}
	return out, nil
}

func (l *lineSplitter) GetPending() [][]byte {
	if len(l.buf) == 0 {
		return nil
	}
	b := l.buf
	l.buf = nil
	return [][]byte{b}
}

func (l *lineSplitter) Clone() filter.Filter { return &lineSplitter{} }

func TestSSLStartTLS(t *testing.T) {
	// The IMAP relay of the seed: plain lines, then "a STARTTLS", then
	// TLS on the same stream. The client is eager and sends its
	// ClientHello right behind the command, in the same segment, so the
	// line filter holds the first TLS bytes when the switch happens.
	client := mustSSL(t, filter.SSLOptions{Client: true})
	plain := &lineSplitter{}
	wireIn := append([]byte("a CAPABILITY\r\nb STARTTLS\r\n"), bytes.Join(client.TakeOutput(), nil)...)
	plain.GetOneStart([][]byte{wireIn})
	var lines []string
	var current filter.Filter = plain
	server := mustSSL(t, serverOpts(t))
	for range 10 {
		rec, err := current.GetOne()
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) == 0 {
			break
		}
		line := rec[0].(string)
		lines = append(lines, line)
		if line == "b STARTTLS" {
			// set_filter: the new filter gets what the old one buffered.
			server.GetOneStart(current.GetPending())
			current = server
			break
		}
	}
	if got, want := lines, []string{"a CAPABILITY", "b STARTTLS"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("plain lines = %q, want %q", got, want)
	}
	if rec, err := server.GetOne(); len(rec) != 0 || err != nil {
		t.Fatalf("server.GetOne() on the ClientHello = %v, %v, want nothing yet", rec, err)
	}
	w := newWire(client, server)
	w.toA = server.TakeOutput()
	w.put(t, w.a, "c LOGIN over TLS\r\n")
	w.run(t)
	if w.a.err != nil || w.b.err != nil {
		t.Fatalf("errors: client %v, server %v", w.a.err, w.b.err)
	}
	if got, want := w.b.text(), "c LOGIN over TLS\r\n"; got != want {
		t.Errorf("server got %q, want %q", got, want)
	}
}

func TestSSLBadInput(t *testing.T) {
	hello := func(t *testing.T) []byte {
		c := mustSSL(t, filter.SSLOptions{Client: true})
		return bytes.Join(c.TakeOutput(), nil)
	}
	for _, tc := range []struct {
		name    string
		input   func(t *testing.T) [][]byte
		wantErr error // nil: no error, the filter waits for more
	}{
		{"plaintext http", func(*testing.T) [][]byte { return [][]byte{[]byte("GET / HTTP/1.0\r\n\r\n")} }, filter.ErrHandshake},
		{"plaintext one byte at a time", func(*testing.T) [][]byte {
			var c [][]byte
			for _, b := range []byte("HELO there\r\n") {
				c = append(c, []byte{b})
			}
			return c
		}, filter.ErrHandshake},
		{"sslv2 hello", func(*testing.T) [][]byte { return [][]byte{{0x80, 0x2e, 0x01, 0x00, 0x02}} }, filter.ErrHandshake},
		{"oversized record", func(*testing.T) [][]byte { return [][]byte{{22, 3, 1, 0xff, 0xff, 1, 2, 3}} }, filter.ErrHandshake},
		{"truncated hello", func(t *testing.T) [][]byte { h := hello(t); return [][]byte{h[:len(h)/2]} }, nil},
		{"hello then garbage record", func(t *testing.T) [][]byte {
			return [][]byte{hello(t), {22, 3, 3, 0, 4, 0xde, 0xad, 0xbe, 0xef}}
		}, filter.ErrHandshake},
		{"wrong record type first", func(*testing.T) [][]byte { return [][]byte{{23, 3, 3, 0, 2, 'h', 'i'}} }, filter.ErrHandshake},
		{"empty", func(*testing.T) [][]byte { return [][]byte{{}} }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := mustSSL(t, serverOpts(t))
			in := tc.input(t)
			var err error
			for _, c := range in { // one wheel read per chunk
				server.GetOneStart([][]byte{c})
				var rec []any
				rec, err = server.GetOne()
				if len(rec) != 0 {
					t.Fatalf("GetOne returned plaintext %q from bad input", rec)
				}
				if err != nil {
					break
				}
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("GetOne error %v, want none (waiting for more)", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("GetOne error %v, want %v", err, tc.wantErr)
			}
			// Sticky: the same error again, no hang.
			if _, err2 := server.GetOne(); err2 != err {
				t.Errorf("second GetOne error %v, want the same %v", err2, err)
			}
			if _, err3 := server.Put([]any{"x"}); err3 != err {
				t.Errorf("Put after failure error %v, want %v", err3, err)
			}
		})
	}
}

func TestSSLGarbageAfterHandshake(t *testing.T) {
	for _, tc := range []struct {
		name    string
		garbage []byte
	}{
		{"forged app data", append([]byte{23, 3, 3, 0, 32}, bytes.Repeat([]byte{0x55}, 32)...)},
		{"not a record", []byte("this is not TLS at all, just text\r\n")},
		{"bad version", []byte{23, 9, 9, 0, 1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := mustSSL(t, serverOpts(t))
			client := mustSSL(t, filter.SSLOptions{Client: true})
			w := handshake(t, client, server)
			w.put(t, w.a, "good")
			chunks := append(w.toB, tc.garbage)
			w.toB = nil
			w.b.deliver(chunks)
			if got := w.b.text(); got != "good" {
				t.Errorf("server got %q before the garbage, want %q", got, "good")
			}
			if !errors.Is(w.b.err, filter.ErrSSL) {
				t.Fatalf("server error %v, want ErrSSL", w.b.err)
			}
			// The server tells the client why (an alert), and the client
			// then fails too.
			alert := server.TakeOutput()
			if len(alert) == 0 {
				t.Fatal("server TakeOutput() after the failure = nil, want an alert")
			}
			w.a.deliver(alert)
			if !errors.Is(w.a.err, filter.ErrSSL) {
				t.Errorf("client error %v after the alert, want ErrSSL", w.a.err)
			}
		})
	}
}

func TestSSLBufferLimits(t *testing.T) {
	so := serverOpts(t)
	so.MaxBuffer = 1000
	server := mustSSL(t, so)
	server.GetOneStart([][]byte{make([]byte, 600)})
	server.GetOneStart([][]byte{make([]byte, 600)})
	if _, err := server.GetOne(); !errors.Is(err, filter.ErrTooLong) {
		t.Errorf("GetOne past MaxBuffer error %v, want ErrTooLong", err)
	}
	// A partial record larger than the limit cannot accumulate either.
	server2 := mustSSL(t, so)
	server2.GetOneStart([][]byte{{22, 3, 1, 0x40, 0x00}})
	if rec, err := server2.GetOne(); len(rec) != 0 || err != nil {
		t.Fatalf("GetOne on a record header = %v, %v, want nothing", rec, err)
	}
	for i := range 3 {
		server2.GetOneStart([][]byte{make([]byte, 400)})
		if _, err := server2.GetOne(); err != nil {
			if !errors.Is(err, filter.ErrTooLong) {
				t.Fatalf("GetOne error %v, want ErrTooLong", err)
			}
			break
		}
		if i == 2 {
			t.Fatal("1205 bytes of one unfinished record were buffered with MaxBuffer 1000")
		}
	}
	if n := len(bytes.Join(server2.GetPending(), nil)); n > 1000 {
		t.Errorf("GetPending() holds %d bytes, want at most MaxBuffer (1000)", n)
	}

	// Put before the handshake queues at most MaxBuffer bytes.
	server3 := mustSSL(t, so)
	if _, err := server3.Put([]any{make([]byte, 800)}); err != nil {
		t.Fatal(err)
	}
	if _, err := server3.Put([]any{make([]byte, 800)}); !errors.Is(err, filter.ErrTooLong) {
		t.Errorf("Put past MaxBuffer error %v, want ErrTooLong", err)
	}
}

func TestSSLGetPendingMidRecord(t *testing.T) {
	server := mustSSL(t, serverOpts(t))
	client := mustSSL(t, filter.SSLOptions{Client: true})
	w := handshake(t, client, server)
	out, err := client.Put([]any{"one", "two"})
	if err != nil {
		t.Fatal(err)
	}
	ct := bytes.Join(out, nil)
	// Two records; cut the second one short. GetOne returns the first;
	// the second's bytes stay raw, and GetPending hands them over intact.
	first := int(ct[3])<<8 | int(ct[4]) + 5
	server.GetOneStart([][]byte{ct[:first+7]})
	rec, err := server.GetOne()
	if err != nil || len(rec) != 1 || string(rec[0].([]byte)) != "one" {
		t.Fatalf("GetOne = %q, %v, want \"one\"", rec, err)
	}
	if rec, err := server.GetOne(); len(rec) != 0 || err != nil {
		t.Fatalf("GetOne on a partial record = %q, %v, want nothing", rec, err)
	}
	server.GetOneStart([][]byte{[]byte("xyz")})
	if got, want := bytes.Join(server.GetPending(), nil), append(append([]byte(nil), ct[first:first+7]...), "xyz"...); !bytes.Equal(got, want) {
		t.Errorf("GetPending() = %x, want %x", got, want)
	}
	if got := server.GetPending(); got != nil {
		t.Errorf("second GetPending() = %q, want nil", got)
	}
	_ = w
}

func TestSSLPutRecordTypes(t *testing.T) {
	server := mustSSL(t, serverOpts(t))
	client := mustSSL(t, filter.SSLOptions{Client: true})
	w := handshake(t, client, server)
	if _, err := client.Put([]any{42}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("Put(42) error %v, want ErrRecordType", err)
	}
	out, err := client.Put([]any{"", []byte{}})
	if err != nil || out != nil {
		t.Errorf("Put of empty records = %d chunks, %v, want nothing", len(out), err)
	}
	w.put(t, w.a, "s", []byte("b"))
	w.run(t)
	if got := w.b.text(); got != "sb" {
		t.Errorf("server got %q, want %q", got, "sb")
	}
}

func TestSSLClone(t *testing.T) {
	proto := mustSSL(t, serverOpts(t))
	clientProto := mustSSL(t, filter.SSLOptions{Client: true})
	for i := range 3 {
		server := proto.Clone().(*filter.SSL)
		client := clientProto.Clone().(*filter.SSL)
		w := newWire(client, server)
		w.put(t, w.a, "n")
		w.run(t)
		if got := w.b.text(); got != "n" {
			t.Errorf("clone %d: server got %q, want %q", i, got, "n")
		}
		server.Close()
		client.Close()
	}
	// The prototypes never started.
	if proto.HandshakeComplete() || clientProto.HandshakeComplete() {
		t.Error("a prototype started a handshake through its clones")
	}
}

// TestSSLDroppedWithoutClose checks the safety net: an SSL that is
// dropped without Close mid-handshake has its coroutine ended when it is
// collected.
func TestSSLDroppedWithoutClose(t *testing.T) {
	func() {
		f, err := filter.NewSSL(filter.SSLOptions{Client: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(f.TakeOutput()) == 0 { // starts the handshake coroutine
			t.Fatal("no ClientHello")
		}
	}()
	runtime.GC()
	runtime.GC()
	// goleak retries with backoff while the cleanup runs.
	goleak.VerifyNone(t)
}

// TestSSLNoGoroutineAfterHandshake checks that the filter's handshake
// coroutine lives only as long as the handshake: once it is done, records are
// decrypted and encrypted on the caller's goroutine, with nothing left
// running even before Close, and data still flows both ways, in whole
// records and in pieces.
func TestSSLNoGoroutineAfterHandshake(t *testing.T) {
	for _, tls12 := range []bool{false, true} {
		t.Run(map[bool]string{false: "TLS1.3", true: "TLS1.2"}[tls12], func(t *testing.T) {
			so := serverOpts(t)
			so.TLS12 = tls12
			server := mustSSL(t, so)
			client := mustSSL(t, filter.SSLOptions{Client: true})
			w := handshake(t, client, server)
			if !server.HandshakeDone() || !client.HandshakeDone() {
				t.Fatal("handshake did not complete")
			}
			goleak.VerifyNone(t)
			big := bytes.Repeat([]byte("0123456789abcdef"), 5000)
			w.put(t, w.a, big)
			ct := bytes.Join(w.toB, nil)
			w.toB = nil
			for i := 0; i < len(ct); i += 777 { // pieces that cut records
				w.b.deliver([][]byte{ct[i:min(i+777, len(ct))]})
			}
			w.put(t, w.b, "reply")
			w.run(t)
			if w.a.err != nil || w.b.err != nil {
				t.Fatalf("errors: client %v, server %v", w.a.err, w.b.err)
			}
			if got := w.b.text(); got != string(big) {
				t.Errorf("server got %d bytes, want the %d sent", len(got), len(big))
			}
			if got := w.a.text(); got != "reply" {
				t.Errorf("client got %q, want %q", got, "reply")
			}
			goleak.VerifyNone(t)
		})
	}
}
