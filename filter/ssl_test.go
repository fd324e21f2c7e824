package filter_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/seed02617006/poe/filter"
)

func TestSSLHandshakeAndData(t *testing.T) {
	for _, tc := range []struct {
		name        string
		tls12       bool
		wantVersion string
	}{
		{"TLS1.3", false, "TLS 1.3"},
		{"TLS1.2", true, "TLS 1.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			so := serverOpts(t)
			so.TLS12 = tc.tls12
			server := mustSSL(t, so)
			client := mustSSL(t, filter.SSLOptions{Client: true})
			w := newWire(client, server)
			// Both sides Put before the handshake: queued, then sent.
			w.put(t, w.a, "hello from client\n")
			w.put(t, w.b, []byte("greeting from server\n"))
			w.run(t)
			if w.a.err != nil || w.b.err != nil {
				t.Fatalf("errors: client %v, server %v", w.a.err, w.b.err)
			}
			if got, want := w.b.text(), "hello from client\n"; got != want {
				t.Errorf("server got %q, want %q", got, want)
			}
			if got, want := w.a.text(), "greeting from server\n"; got != want {
				t.Errorf("client got %q, want %q", got, want)
			}
			for _, e := range []*end{w.a, w.b} {
				if !e.f.HandshakeDone() {
					t.Errorf("%s.HandshakeDone() = false, want true", e.name)
				}
				if got := tlsVersion(e.f); got != tc.wantVersion {
					t.Errorf("%s version = %s, want %s", e.name, got, tc.wantVersion)
				}
				if e.f.Cipher() == "" {
					t.Errorf("%s.Cipher() = \"\", want a suite", e.name)
				}
			}
		})
	}
}

func TestSSLBulkBothWays(t *testing.T) {
	server := mustSSL(t, serverOpts(t))
	client := mustSSL(t, filter.SSLOptions{Client: true})
	w := handshake(t, client, server)
	big := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160000 bytes, ten records
	w.put(t, w.a, big, "tail")
	w.put(t, w.b, "small", big)
	w.run(t)
	if got, want := w.b.text(), string(big)+"tail"; got != want {
		t.Errorf("server got %d bytes, want %d", len(got), len(want))
	}
	if got, want := w.a.text(), "small"+string(big); got != want {
		t.Errorf("client got %d bytes, want %d", len(got), len(want))
	}
	// One GetOne returns one TLS record: 16384 bytes at most.
	for _, r := range w.b.got {
		if len(r) > 16384 {
			t.Fatalf("record of %d bytes, want at most 16384", len(r))
		}
	}
	if n := len(w.b.got); n < 10 {
		t.Errorf("server got %d records, want at least 10", n)
	}
}

func TestSSLClientHelloFromTakeOutput(t *testing.T) {
	client := mustSSL(t, filter.SSLOptions{Client: true})
	out := client.TakeOutput()
	if len(out) != 1 || len(out[0]) < 5 || out[0][0] != 22 {
		t.Fatalf("client TakeOutput() = %d chunks, want one handshake record (ClientHello)", len(out))
	}
	if again := client.TakeOutput(); again != nil {
		t.Errorf("second TakeOutput() = %d chunks, want nil", len(again))
	}
	server := mustSSL(t, serverOpts(t))
	if out := server.TakeOutput(); out != nil {
		t.Errorf("server TakeOutput() before input = %d chunks, want nil", len(out))
	}
	w := newWire(client, server)
	w.toB = out
	w.run(t)
	if !client.HandshakeDone() || !server.HandshakeDone() {
		t.Fatalf("HandshakeDone: client %v server %v, want true", client.HandshakeDone(), server.HandshakeDone())
	}
}

func TestSSLHandshakeDoneWaitsForOutput(t *testing.T) {
	server := mustSSL(t, serverOpts(t))
	client := mustSSL(t, filter.SSLOptions{Client: true, TLS12: true})
	w := newWire(client, server)
	// Drive by hand: ClientHello -> server; ServerHello.. -> client;
	// client Finished -> server; then the server's Finished is pending.
	w.b.deliver(client.TakeOutput())
	w.a.deliver(server.TakeOutput())
	w.b.deliver(client.TakeOutput())
	if !server.HandshakeComplete() {
		t.Fatal("server.HandshakeComplete() = false after the client's Finished, want true")
	}
	if server.HandshakeDone() {
		t.Error("server.HandshakeDone() = true with its Finished not yet taken, want false")
	}
	w.a.deliver(server.TakeOutput())
	if !server.HandshakeDone() || !client.HandshakeDone() {
		t.Errorf("HandshakeDone: client %v server %v, want true", client.HandshakeDone(), server.HandshakeDone())
	}
}

func TestSSLCloseNotify(t *testing.T) {
	server := mustSSL(t, serverOpts(t))
	client := mustSSL(t, filter.SSLOptions{Client: true})
	w := handshake(t, client, server)
	w.put(t, w.a, "last words")
	if err := client.Close(); err != nil {
		t.Fatalf("client.Close() = %v", err)
	}
	alert := client.TakeOutput()
	if len(alert) == 0 {
		t.Fatal("client.TakeOutput() after Close = nil, want close_notify")
	}
	if err := client.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	// The bytes after close_notify belong to whatever protocol follows.
	chunks := append(w.toB, alert...)
	chunks = append(chunks, []byte("PLAIN AFTER TLS"))
	w.toB = nil
	w.b.deliver(chunks)
	if w.b.err != nil {
		t.Fatalf("server GetOne error %v after close_notify, want none", w.b.err)
	}
	if got, want := w.b.text(), "last words"; got != want {
		t.Errorf("server got %q, want %q", got, want)
	}
	if !server.PeerClosed() {
		t.Error("server.PeerClosed() = false, want true")
	}
	server.GetOneStart([][]byte{[]byte(" and more")})
	if rec, err := server.GetOne(); len(rec) != 0 || err != nil {
		t.Errorf("GetOne after close_notify = %q, %v, want nothing", rec, err)
	}
	if got, want := string(bytes.Join(server.GetPending(), nil)), "PLAIN AFTER TLS and more"; got != want {
		t.Errorf("server.GetPending() = %q, want %q", got, want)
	}
	if _, err := client.Put([]any{"x"}); !errors.Is(err, filter.ErrSSLClosed) {
		t.Errorf("Put after Close = %v, want ErrSSLClosed", err)
	}
	if _, err := client.GetOne(); !errors.Is(err, filter.ErrSSLClosed) {
		t.Errorf("GetOne after Close = %v, want ErrSSLClosed", err)
	}
}

func TestSSLCloseBeforeStartAndMidHandshake(t *testing.T) {
	unstarted := mustSSL(t, serverOpts(t))
	if err := unstarted.Close(); err != nil {
		t.Errorf("Close of an unstarted filter = %v", err)
	}
	if out := unstarted.TakeOutput(); out != nil {
		t.Errorf("TakeOutput after Close of unstarted filter = %d chunks, want nil", len(out))
	}
	client := mustSSL(t, filter.SSLOptions{Client: true})
	server := mustSSL(t, serverOpts(t))
	server.GetOneStart(client.TakeOutput())
	if _, err := server.GetOne(); err != nil {
		t.Fatal(err)
	}
	// Mid-handshake: no close_notify (TLS has no session yet), no leak.
	if err := server.Close(); err != nil {
		t.Errorf("Close mid-handshake = %v", err)
	}
	if err := client.Close(); err != nil {
		t.Errorf("client Close mid-handshake = %v", err)
	}
}

// TestSSLDeterministic runs the same exchange many times, with another
// goroutine stirring the scheduler, and checks that every filter call
// returns the same shape of result each time: how many chunks TakeOutput
// and Put return, how many records GetOne returns and their sizes.
// (Ciphertext sizes themselves vary: ECDSA signatures do.)
func TestSSLDeterministic(t *testing.T) {
	stop := make(chan struct{})
	stirred := make(chan struct{})
	go func() {
		defer close(stirred)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	defer func() { close(stop); <-stirred }()

	sp := mustSSL(t, serverOpts(t))
	cp := mustSSL(t, filter.SSLOptions{Client: true})
	trace := func() string {
		server := sp.Clone().(*filter.SSL)
		client := cp.Clone().(*filter.SSL)
		defer server.Close()
		defer client.Close()
		var log strings.Builder
		step := func(who string, f *filter.SSL, in [][]byte) [][]byte {
			f.GetOneStart(in)
			var out [][]byte
			for {
				rec, err := f.GetOne()
				o := f.TakeOutput()
				fmt.Fprintf(&log, "%s: out=%d", who, len(o))
				out = append(out, o...)
				if err != nil {
					fmt.Fprintf(&log, " err\n")
					return out
				}
				if len(rec) == 0 {
					fmt.Fprintf(&log, " none\n")
					return out
				}
				fmt.Fprintf(&log, " rec=%d\n", len(rec[0].([]byte)))
			}
		}
		toS, _ := client.Put([]any{"hello", strings.Repeat("x", 40000)})
		fmt.Fprintf(&log, "client put: %d\n", len(toS))
		toC := step("server", server, toS)
		toS = step("client", client, toC)
		more, _ := server.Put([]any{"reply"})
		toC = step("server", server, toS)
		toC = append(toC, more...)
		step("client", client, toC)
		return log.String()
	}
	first := trace()
	for i := range 20 {
		if got := trace(); got != first {
			t.Fatalf("run %d traced\n%s\nwant\n%s", i, got, first)
		}
	}
	if !strings.Contains(first, "server: out=1 rec=5\n") || !strings.Contains(first, "client: out=0 rec=5\n") {
		t.Errorf("trace lacks \"hello\" on the server or \"reply\" on the client:\n%s", first)
	}
}

func TestSSLDebugOutput(t *testing.T) {
	p := testPKI(t)
	var buf bytes.Buffer
	so := serverOpts(t)
	so.Debug, so.DebugOutput = true, &buf
	so.ClientCert, so.CACrtMem, so.CACRLMem = true, [][]byte{p.CA.CertPEM}, p.CRL
	server := mustSSL(t, so)
	client := mustSSL(t, filter.SSLOptions{Client: true, CrtMem: p.Client.CertPEM, KeyMem: p.Client.KeyPEM})
	handshake(t, client, server)
	if !server.ClientCertNotOnCRL() {
		t.Fatal("ClientCertNotOnCRL() = false, want true")
	}
	for _, want := range []string{"handshake done: TLS 1.3", "SSL Infos BEGIN", "Subject Name: /O=POE Test/CN=client", "Serial      : " + server.Hexdump(p.Client.Cert.SerialNumber.Bytes())} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("debug output lacks %q:\n%s", want, buf.String())
		}
	}
}
