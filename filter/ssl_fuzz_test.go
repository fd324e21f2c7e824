package filter_test

import (
	"bytes"
	"testing"

	"github.com/seed02617006/poe/filter"
)

const fuzzMaxBuffer = 4096

// FuzzSSLServer feeds arbitrary bytes, in chunks of a fuzzed size, to a
// server filter: it must never panic or hang, must hold at most MaxBuffer
// bytes, and must never return plaintext (no handshake can complete
// without a key exchange the fuzzer cannot fake).
func FuzzSSLServer(f *testing.F) {
	c, err := filter.NewSSL(filter.SSLOptions{Client: true})
	if err != nil {
		f.Fatal(err)
	}
	hello := bytes.Join(c.TakeOutput(), nil)
	c.Close()
	f.Add(hello, uint16(0))
	f.Add(hello, uint16(7))
	f.Add(hello[:len(hello)/2], uint16(0))
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"), uint16(0))
	f.Add([]byte{0x80, 0x2e, 0x01, 0x00, 0x02}, uint16(1))
	f.Add([]byte{22, 3, 1, 0xff, 0xff}, uint16(0))
	f.Add([]byte{22, 3, 3, 0x10, 0x00}, uint16(0))
	f.Add(append([]byte{21, 3, 3, 0, 2, 1, 0}, hello...), uint16(3))
	f.Add(bytes.Repeat([]byte{22, 3, 3, 0, 0}, 40), uint16(5))

	so := serverOpts(f)
	so.MaxBuffer = fuzzMaxBuffer
	proto, err := filter.NewSSL(so)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		server := proto.Clone().(*filter.SSL)
		defer server.Close()
		size := int(chunk)
		if size == 0 || size > len(data) {
			size = len(data)
		}
		for len(data) > 0 {
			n := min(size, len(data))
			server.GetOneStart([][]byte{data[:n]})
			data = data[n:]
			for range 1000 {
				rec, err := server.GetOne()
				server.TakeOutput()
				if len(rec) != 0 {
					t.Fatalf("GetOne returned plaintext %q from fuzzed bytes", rec)
				}
				if err != nil || len(rec) == 0 {
					break
				}
			}
		}
		if n := len(bytes.Join(server.GetPending(), nil)); n > fuzzMaxBuffer {
			t.Fatalf("filter holds %d bytes, want at most %d", n, fuzzMaxBuffer)
		}
	})
}

// FuzzSSLRoundTrip puts two records through a client and server pair, the
// ciphertext cut into chunks of a fuzzed size, and checks each side gets
// exactly what the other put.
func FuzzSSLRoundTrip(f *testing.F) {
	f.Add([]byte("hello"), "world", uint8(0))
	f.Add([]byte{}, "", uint8(1))
	f.Add(bytes.Repeat([]byte{0}, 20000), "x", uint8(13))
	f.Add([]byte("\x16\x03\x03\x00\x05"), "\x15\x03\x03\x00\x02\x01\x00", uint8(4))
	so := serverOpts(f)
	serverProto, err := filter.NewSSL(so)
	if err != nil {
		f.Fatal(err)
	}
	clientProto, err := filter.NewSSL(filter.SSLOptions{Client: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a []byte, b string, chunk uint8) {
		server := serverProto.Clone().(*filter.SSL)
		client := clientProto.Clone().(*filter.SSL)
		defer server.Close()
		defer client.Close()
		w := newWire(client, server)
		w.put(t, w.a, a, b)
		w.put(t, w.b, b, a)
		// Re-cut every chunk on the wire into pieces of chunk+1 bytes.
		for range 100 {
			w.toB = append(w.toB, client.TakeOutput()...)
			w.toA = append(w.toA, server.TakeOutput()...)
			if len(w.toA) == 0 && len(w.toB) == 0 {
				break
			}
			for _, pair := range []struct {
				from *[][]byte
				to   *end
			}{{&w.toB, w.b}, {&w.toA, w.a}} {
				all := bytes.Join(*pair.from, nil)
				*pair.from = nil
				for len(all) > 0 {
					n := min(int(chunk)+1, len(all))
					pair.to.deliver([][]byte{all[:n]})
					all = all[n:]
				}
			}
		}
		if w.a.err != nil || w.b.err != nil {
			t.Fatalf("errors: client %v, server %v", w.a.err, w.b.err)
		}
		want := string(a) + b
		if got := w.b.text(); got != want {
			t.Errorf("server got %d bytes, want %d", len(got), len(want))
		}
		if got, want := w.a.text(), b+string(a); got != want {
			t.Errorf("client got %d bytes, want %d", len(got), len(want))
		}
	})
}
