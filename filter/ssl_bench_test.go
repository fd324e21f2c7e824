package filter_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"testing"

	"github.com/seed02617006/poe/filter"
)

// The benchmarks compare the filter pair with plain crypto/tls over
// net.Pipe in the same run. Both pin X25519 so that both negotiate the
// same key exchange, and use the test PKI's ECDSA P-256 certificate.
var benchCurves = []tls.CurveID{tls.X25519}

func benchConfigs(b *testing.B, tls12 bool) (server, client *tls.Config) {
	p := testPKI(b)
	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Cert)
	server = &tls.Config{Certificates: []tls.Certificate{p.Server.TLS()}, CurvePreferences: benchCurves}
	client = &tls.Config{RootCAs: roots, ServerName: "localhost", CurvePreferences: benchCurves}
	if tls12 {
		server.MaxVersion = tls.VersionTLS12
	}
	return server, client
}

func benchFilters(b *testing.B, tls12 bool) (server, client *filter.SSL) {
	p := testPKI(b)
	so := serverOpts(b)
	so.TLS12 = tls12
	so.CurvePreferences = benchCurves
	server = mustSSL(b, so)
	client = mustSSL(b, filter.SSLOptions{Client: true, CACrtMem: [][]byte{p.CA.CertPEM}, CurvePreferences: benchCurves})
	return server, client
}

// BenchmarkSSLHandshake measures full handshakes (no resumption).
func BenchmarkSSLHandshake(b *testing.B) {
	for _, v := range []struct {
		name  string
		tls12 bool
	}{{"TLS1.3", false}, {"TLS1.2", true}} {
		b.Run(v.name+"/filter", func(b *testing.B) {
			sp, cp := benchFilters(b, v.tls12)
			b.ReportAllocs()
			for b.Loop() {
				s := sp.Clone().(*filter.SSL)
				c := cp.Clone().(*filter.SSL)
				w := handshake(b, c, s)
				if w.a.err != nil || w.b.err != nil || !s.HandshakeDone() || !c.HandshakeDone() {
					b.Fatalf("handshake failed: client %v, server %v", w.a.err, w.b.err)
				}
				c.Close()
				s.Close()
			}
		})
		b.Run(v.name+"/crypto-tls-pipe", func(b *testing.B) {
			scfg, ccfg := benchConfigs(b, v.tls12)
			b.ReportAllocs()
			for b.Loop() {
				a, z := net.Pipe()
				srv := tls.Server(a, scfg)
				done := make(chan error, 1)
				go func() { done <- srv.Handshake() }()
				cli := tls.Client(z, ccfg)
				if err := cli.Handshake(); err != nil {
					b.Fatal(err)
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
				a.Close()
				z.Close()
			}
		})
	}
}

const benchChunk = 64 << 10

// BenchmarkSSLBulk measures one-way throughput of 64 KiB writes on an
// established TLS 1.3 connection: encryption and decryption both count.
func BenchmarkSSLBulk(b *testing.B) {
	payload := make([]byte, benchChunk)
	for i := range payload {
		payload[i] = byte(i)
	}
	b.Run("filter", func(b *testing.B) {
		s, c := benchFilters(b, false)
		w := handshake(b, c, s)
		if w.a.err != nil || w.b.err != nil {
			b.Fatal(w.a.err, w.b.err)
		}
		rec := []any{payload}
		b.SetBytes(benchChunk)
		b.ReportAllocs()
		for b.Loop() {
			out, err := c.Put(rec)
			if err != nil {
				b.Fatal(err)
			}
			s.GetOneStart(out)
			n := 0
			for {
				r, err := s.GetOne()
				if err != nil {
					b.Fatal(err)
				}
				if len(r) == 0 {
					break
				}
				n += len(r[0].([]byte))
			}
			if n != benchChunk {
				b.Fatalf("got %d bytes, want %d", n, benchChunk)
			}
		}
	})
	b.Run("crypto-tls-pipe", func(b *testing.B) {
		scfg, ccfg := benchConfigs(b, false)
		a, z := net.Pipe()
		defer a.Close()
		defer z.Close()
		srv := tls.Server(a, scfg)
		cli := tls.Client(z, ccfg)
		done := make(chan error, 1)
		go func() { done <- srv.Handshake() }()
		if err := cli.Handshake(); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, benchChunk)
		b.SetBytes(benchChunk)
		b.ReportAllocs()
		// The classic b.N loop, since the writer must know the count.
		go func() {
			for range b.N {
				if _, err := cli.Write(payload); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		for range b.N {
			if _, err := io.ReadFull(srv, buf); err != nil {
				b.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
}
