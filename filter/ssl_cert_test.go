package filter_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/internal/testcert"
)

func TestSSLClientCertificates(t *testing.T) {
	p := testPKI(t)
	now := time.Now()
	expiredCRL, err := p.CA.CRL([]*testcert.Cert{p.Revoked}, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	emptyCRL, err := p.CA.CRL(nil, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		handshake bool // the handshake succeeds on the server
		exists    bool
		valid     bool
		notOnCRL  bool
		code      int // the leaf's CertID.Error, or the CertVerifyError code
	}
	for _, tc := range []struct {
		name   string
		cert   *testcert.Cert // nil: the client sends none
		block  bool
		crl    []byte // nil: no cacrl
		ignore []int
		want   want
	}{
		{"valid", p.Client, false, p.CRL, nil, want{true, true, true, true, 0}},
		{"valid no crl", p.Client, false, nil, nil, want{true, true, true, false, 0}},
		{"valid empty crl", p.Client, false, emptyCRL, nil, want{true, true, true, true, 0}},
		{"valid blocked", p.Client, true, p.CRL, nil, want{true, true, true, true, 0}},
		{"missing", nil, false, p.CRL, nil, want{true, false, false, false, 0}},
		{"missing blocked", nil, true, p.CRL, nil, want{false, false, false, false, 0}},
		{"revoked", p.Revoked, false, p.CRL, nil, want{true, true, false, false, 23}},
		{"revoked blocked", p.Revoked, true, p.CRL, nil, want{false, true, false, false, 23}},
		{"revoked ignored", p.Revoked, true, p.CRL, []int{23}, want{true, true, true, false, 23}},
		{"expired", p.Expired, false, nil, nil, want{true, true, false, false, 10}},
		{"expired blocked", p.Expired, true, nil, nil, want{false, true, false, false, 10}},
		{"expired ignored", p.Expired, true, nil, []int{9, 10}, want{true, true, true, false, 10}},
		{"self-signed", p.SelfSigned, false, nil, nil, want{true, true, false, false, 18}},
		{"self-signed blocked", p.SelfSigned, true, nil, nil, want{false, true, false, false, 18}},
		{"crl expired", p.Client, false, expiredCRL, nil, want{true, true, false, false, 12}},
		{"crl expired blocked", p.Client, true, expiredCRL, nil, want{false, true, false, false, 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			so := serverOpts(t)
			so.ClientCert = true
			so.BlockBadClientCert = tc.block
			so.CACrtMem = [][]byte{p.CA.CertPEM}
			so.CACRLMem = tc.crl
			so.IgnoreVerifyErrors = tc.ignore
			var handled []error
			so.ErrorHandler = func(err error) { handled = append(handled, err) }
			server := mustSSL(t, so)
			co := filter.SSLOptions{Client: true, CACrtMem: [][]byte{p.CA.CertPEM}}
			if tc.cert != nil {
				co.CrtMem, co.KeyMem = tc.cert.CertPEM, tc.cert.KeyPEM
			}
			client := mustSSL(t, co)
			w := newWire(client, server)
			w.put(t, w.a, "hi")
			w.run(t)

			if got := w.b.err == nil; got != tc.want.handshake {
				t.Fatalf("server handshake ok = %v (err %v), want %v", got, w.b.err, tc.want.handshake)
			}
			if tc.want.handshake {
				if got := w.b.text(); got != "hi" {
					t.Errorf("server got %q, want %q", got, "hi")
				}
			} else {
				if !errors.Is(w.b.err, filter.ErrHandshake) {
					t.Errorf("server error %v, want ErrHandshake", w.b.err)
				}
				if w.a.err == nil {
					t.Error("client saw no error from a refused handshake")
				}
				if len(handled) != 1 || handled[0] != w.b.err {
					t.Errorf("ErrorHandler saw %v, want exactly [%v]", handled, w.b.err)
				}
				if tc.cert != nil {
					var ve *filter.CertVerifyError
					if !errors.As(w.b.err, &ve) || ve.Code != tc.want.code {
						t.Errorf("server error %v, want CertVerifyError code %d", w.b.err, tc.want.code)
					}
				}
			}
			if got := server.ClientCertExists(); got != tc.want.exists {
				t.Errorf("ClientCertExists() = %v, want %v", got, tc.want.exists)
			}
			if got := server.ClientCertValid(); got != tc.want.valid {
				t.Errorf("ClientCertValid() = %v, want %v", got, tc.want.valid)
			}
			if got := server.ClientCertNotOnCRL(); got != tc.want.notOnCRL {
				t.Errorf("ClientCertNotOnCRL() = %v, want %v", got, tc.want.notOnCRL)
			}
			ids := server.ClientCertIDs()
			if !tc.want.exists {
				if len(ids) != 0 {
					t.Errorf("ClientCertIDs() = %v, want none", ids)
				}
				return
			}
			if len(ids) == 0 {
				t.Fatal("ClientCertIDs() = none, want the chain")
			}
			leaf := ids[0]
			if want := "/O=POE Test/CN=" + tc.cert.Cert.Subject.CommonName; leaf.Subject != want {
				t.Errorf("leaf Subject = %q, want %q", leaf.Subject, want)
			}
			if !bytes.Equal(leaf.Serial, tc.cert.Cert.SerialNumber.Bytes()) {
				t.Errorf("leaf Serial = %x, want %x", leaf.Serial, tc.cert.Cert.SerialNumber.Bytes())
			}
			if leaf.Error != tc.want.code {
				t.Errorf("leaf Error = %d, want %d", leaf.Error, tc.want.code)
			}
			if tc.cert != p.SelfSigned {
				if got, want := leaf.Issuer, "/O=POE Test/CN=POE Test CA"; got != want {
					t.Errorf("leaf Issuer = %q, want %q", got, want)
				}
			}
		})
	}
}

func TestSSLClientCertChainIDs(t *testing.T) {
	p := testPKI(t)
	so := serverOpts(t)
	so.ClientCert = true
	so.CACrtMem = [][]byte{p.CA.CertPEM}
	server := mustSSL(t, so)
	client := mustSSL(t, filter.SSLOptions{Client: true, CrtMem: p.Client.CertPEM, KeyMem: p.Client.KeyPEM})
	handshake(t, client, server)
	ids := server.ClientCertIDs()
	if len(ids) != 2 {
		t.Fatalf("ClientCertIDs() has %d entries, want 2 (leaf, CA)", len(ids))
	}
	if got, want := ids[1].Subject, "/O=POE Test/CN=POE Test CA"; got != want {
		t.Errorf("ids[1].Subject = %q, want %q", got, want)
	}
	if got, want := server.Hexdump(ids[0].Serial), server.Hexdump(p.Client.Cert.SerialNumber.Bytes()); got != want {
		t.Errorf("Hexdump(serial) = %q, want %q", got, want)
	}
	// The client, which sent no ClientCert, sees the server's chain the
	// same way, unverified since it has no CACrt.
	sids := client.ClientCertIDs()
	if len(sids) != 1 || sids[0].Subject != "/O=POE Test/CN=localhost" {
		t.Errorf("client ClientCertIDs() = %+v, want the server leaf", sids)
	}
	if client.ClientCertValid() {
		t.Error("client.ClientCertValid() = true without a CA, want false")
	}
}

func TestSSLIntermediateChain(t *testing.T) {
	p := testPKI(t)
	inter1, err := p.CA.Issue(testcert.Options{CN: "Intermediate 1", IsCA: true})
	if err != nil {
		t.Fatal(err)
	}
	inter2, err := inter1.Issue(testcert.Options{CN: "Intermediate 2", IsCA: true})
	if err != nil {
		t.Fatal(err)
	}
	leaf1, err := inter1.Issue(testcert.Options{CN: "one deep", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	leaf2, err := inter2.Issue(testcert.Options{CN: "two deep", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	crl1, err := inter1.CRL([]*testcert.Cert{leaf1}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cat := func(cs ...*testcert.Cert) []byte {
		var b []byte
		for _, c := range cs {
			b = append(b, c.CertPEM...)
		}
		return b
	}
	for _, tc := range []struct {
		name      string
		chain     []byte
		key       []byte
		depth     int
		crl       []byte
		wantValid bool
		wantCode  int
		wantIDs   int
	}{
		{"one intermediate, depth 1", cat(leaf1, inter1), leaf1.KeyPEM, 1, nil, true, 0, 3},
		{"two intermediates, default depth", cat(leaf2, inter2, inter1), leaf2.KeyPEM, 0, nil, true, 0, 4},
		{"two intermediates, depth 1", cat(leaf2, inter2, inter1), leaf2.KeyPEM, 1, nil, false, 22, 4},
		{"revoked by intermediate", cat(leaf1, inter1), leaf1.KeyPEM, 0, testcert.CRLPEM(crl1), false, 23, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			so := serverOpts(t)
			so.ClientCert = true
			so.CACrtMem = [][]byte{p.CA.CertPEM}
			so.CAVerifyDepth = tc.depth
			so.CACRLMem = tc.crl
			server := mustSSL(t, so)
			client := mustSSL(t, filter.SSLOptions{Client: true, CrtMem: tc.chain, KeyMem: tc.key})
			w := handshake(t, client, server)
			if w.b.err != nil {
				t.Fatalf("server error %v", w.b.err)
			}
			if got := server.ClientCertValid(); got != tc.wantValid {
				t.Errorf("ClientCertValid() = %v, want %v", got, tc.wantValid)
			}
			ids := server.ClientCertIDs()
			if len(ids) != tc.wantIDs {
				t.Fatalf("ClientCertIDs() = %d entries, want %d", len(ids), tc.wantIDs)
			}
			if ids[0].Error != tc.wantCode {
				t.Errorf("leaf Error = %d, want %d", ids[0].Error, tc.wantCode)
			}
			if got, want := ids[len(ids)-1].Subject, "/O=POE Test/CN=POE Test CA"; got != want {
				t.Errorf("last CertID Subject = %q, want %q", got, want)
			}
		})
	}
}

func TestSSLClientVerifiesServer(t *testing.T) {
	p := testPKI(t)
	other, err := testcert.NewCA("Other CA")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		ca     []byte
		ignore []int
		wantOK bool
	}{
		{"trusted", p.CA.CertPEM, nil, true},
		{"untrusted", other.CertPEM, nil, false},
		{"untrusted ignored", other.CertPEM, []int{20}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := mustSSL(t, serverOpts(t))
			client := mustSSL(t, filter.SSLOptions{Client: true, CACrtMem: [][]byte{tc.ca}, IgnoreVerifyErrors: tc.ignore})
			w := newWire(client, server)
			w.put(t, w.a, "x")
			w.run(t)
			if got := w.a.err == nil; got != tc.wantOK {
				t.Fatalf("client handshake ok = %v (%v), want %v", got, w.a.err, tc.wantOK)
			}
			if !tc.wantOK {
				var ve *filter.CertVerifyError
				if !errors.Is(w.a.err, filter.ErrHandshake) || !errors.As(w.a.err, &ve) || ve.Code != 20 {
					t.Errorf("client error %v, want ErrHandshake with CertVerifyError 20", w.a.err)
				}
				if w.b.err == nil {
					t.Error("server saw no error, want the client's alert")
				}
				var op *net.OpError
				if !errors.As(w.b.err, &op) || op.Op != "remote error" {
					t.Errorf("server error %v, want the client's alert (a remote error)", w.b.err)
				}
			}
		})
	}
}

func TestSSLOptionsFromFiles(t *testing.T) {
	p := testPKI(t)
	dir := t.TempDir()
	files, err := p.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	dh := filepath.Join(dir, "dh.pem")
	// The content is never used (crypto/tls has no DHE); only the PEM
	// type is checked.
	if err := os.WriteFile(dh, []byte("-----BEGIN DH PARAMETERS-----\nMAA=\n-----END DH PARAMETERS-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	server := mustSSL(t, filter.SSLOptions{
		Crt: files.ServerCrt, Key: files.ServerKey, CACrt: files.CACrt, CACRL: files.CACRL,
		ClientCert: true, DHCert: dh, NoHonor: true, TLS: true,
	})
	client := mustSSL(t, filter.SSLOptions{
		Client: true, Crt: files.RevokedCrt, Key: files.RevokedKey, CACrt: files.CACrt, SNI: "localhost",
	})
	w := handshake(t, client, server)
	if w.a.err != nil || w.b.err != nil {
		t.Fatalf("errors: client %v, server %v", w.a.err, w.b.err)
	}
	if server.ClientCertValid() || server.ClientCertNotOnCRL() {
		t.Errorf("revoked cert: valid %v notOnCRL %v, want false, false", server.ClientCertValid(), server.ClientCertNotOnCRL())
	}
	ok, err := server.ClientCertNotOnCRLFile(files.CACRL)
	if ok || err != nil {
		t.Errorf("ClientCertNotOnCRLFile(ca.crl) = %v, %v, want false, nil", ok, err)
	}
	empty, err := p.CA.CRL(nil, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(dir, "empty.crl")
	if err := os.WriteFile(emptyFile, empty, 0o644); err != nil { // DER this time
		t.Fatal(err)
	}
	if ok, err := server.ClientCertNotOnCRLFile(emptyFile); !ok || err != nil {
		t.Errorf("ClientCertNotOnCRLFile(empty DER crl) = %v, %v, want true, nil", ok, err)
	}
	if _, err := server.ClientCertNotOnCRLFile(filepath.Join(dir, "missing.crl")); err == nil {
		t.Error("ClientCertNotOnCRLFile(missing) = nil error, want one")
	}
	st, _ := server.ConnectionState()
	if st.ServerName != "localhost" {
		t.Errorf("server saw SNI %q, want %q", st.ServerName, "localhost")
	}
}

func TestNewSSLErrors(t *testing.T) {
	p := testPKI(t)
	impostor, err := testcert.NewCA("POE Test CA") // same name, other key
	if err != nil {
		t.Fatal(err)
	}
	forged, err := impostor.CRL(nil, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := func(o filter.SSLOptions) filter.SSLOptions {
		o.CrtMem, o.KeyMem = p.Server.CertPEM, p.Server.KeyPEM
		return o
	}
	for _, tc := range []struct {
		name string
		opts filter.SSLOptions
	}{
		{"server without certificate", filter.SSLOptions{}},
		{"crt without key", filter.SSLOptions{CrtMem: p.Server.CertPEM}},
		{"key without crt", filter.SSLOptions{Client: true, KeyMem: p.Server.KeyPEM}},
		{"mismatched key", filter.SSLOptions{CrtMem: p.Server.CertPEM, KeyMem: p.Client.KeyPEM}},
		{"missing crt file", filter.SSLOptions{Crt: "/nonexistent/server.crt", Key: "/nonexistent/server.key"}},
		{"bad cacrt", srv(filter.SSLOptions{CACrtMem: [][]byte{[]byte("not pem")}})},
		{"bad crl", srv(filter.SSLOptions{CACRLMem: []byte("not a crl")})},
		{"crl not signed by its ca", srv(filter.SSLOptions{CACrtMem: [][]byte{p.CA.CertPEM}, CACRLMem: forged})},
		{"bad dhcert", srv(filter.SSLOptions{DHCertMem: []byte("junk")})},
		{"cipher unsupported", srv(filter.SSLOptions{Cipher: "DHE-RSA-AES256-GCM-SHA384"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := filter.NewSSL(tc.opts)
			if err == nil {
				f.Close()
				t.Fatal("NewSSL succeeded, want an error")
			}
			if !errors.Is(err, filter.ErrSSLOptions) {
				t.Errorf("NewSSL error %v, want ErrSSLOptions", err)
			}
		})
	}
}

func TestSSLCipherOption(t *testing.T) {
	p := testPKI(t)
	rsaCert, err := p.CA.Issue(testcert.Options{CN: "localhost", DNSNames: []string{"localhost"}, Server: true, RSA: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, cipher string
		cert         *testcert.Cert
		tls12        bool
		want         string
	}{
		{"ecdsa gcm", "ECDHE-ECDSA-AES128-GCM-SHA256", p.Server, true, "ECDHE-ECDSA-AES128-GCM-SHA256"},
		{"seed example list", "DHE-RSA-AES256-GCM-SHA384:AES256-SHA", rsaCert, true, "AES256-SHA"},
		{"keywords", "ECDHE+AESGCM:!AES128", p.Server, true, "ECDHE-ECDSA-AES256-GCM-SHA384"},
		{"tls13 unaffected", "AES256-SHA", p.Server, false, "TLS_AES_128_GCM_SHA256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := mustSSL(t, filter.SSLOptions{CrtMem: tc.cert.CertPEM, KeyMem: tc.cert.KeyPEM, Cipher: tc.cipher, TLS12: tc.tls12})
			client := mustSSL(t, filter.SSLOptions{Client: true, Config: &tls.Config{CipherSuites: allSuites(), CurvePreferences: []tls.CurveID{tls.X25519}}})
			w := handshake(t, client, server)
			if w.a.err != nil || w.b.err != nil {
				t.Fatalf("errors: client %v, server %v", w.a.err, w.b.err)
			}
			if got := server.Cipher(); got != tc.want {
				t.Errorf("Cipher() = %q, want %q", got, tc.want)
			}
			if got := client.Cipher(); got != server.Cipher() {
				t.Errorf("client Cipher() = %q, server %q", got, server.Cipher())
			}
		})
	}
}

// allSuites lets a client offer the insecure suites too, so that the
// server's Cipher list decides.
func allSuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}
