package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
	"github.com/seed02617006/poe/internal/testcert"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func hexdump(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":")
}

type setup struct {
	pki   *testcert.PKI
	files testcert.Files
	bin   string
}

func newSetup(t *testing.T) *setup {
	t.Helper()
	pki, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	files, err := pki.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &setup{pki, files, progtest.Build(t, ".")}
}

func (s *setup) start(t *testing.T, extra ...string) *progtest.Proc {
	t.Helper()
	args := append([]string{"-addr", "127.0.0.1:0", "-crt", s.files.ServerCrt,
		"-key", s.files.ServerKey, "-cacrt", s.files.CACrt}, extra...)
	return progtest.Start(t, s.bin, args...)
}

// get fetches path with crypto/tls and net/http, presenting cert if any.
func (s *setup) get(t *testing.T, addr, path string, cert *testcert.Cert) string {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(s.pki.CA.Cert)
	cfg := &tls.Config{RootCAs: pool}
	if cert != nil {
		// crypto/tls only sends a certificate of a CA the server names;
		// send it whatever it is, as openssl s_client does.
		c := cert.TLS()
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c, nil }
	}
	tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: progtest.Patience}).Get("https://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("GET %s: %d %q %v, type %q; want 200 text/html", path, resp.StatusCode, b, err, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

const (
	valid   = "Hello <font color=green>valid</font> client Certifcate:<hr>"
	invalid = "None or <font color=red>invalid</font> client certificate:<hr>"
)

// idLine is what the page says for c, issued by the test CA.
func idLine(c *testcert.Cert) string {
	return "/O=" + testcert.Organization + "/CN=" + c.Cert.Subject.CommonName +
		"<br>/O=" + testcert.Organization + "/CN=POE Test CA<br>SERIAL=" + hexdump(c.Cert.SerialNumber.Bytes()) + "<hr>"
}

func TestClientCertificates(t *testing.T) {
	s := newSetup(t)
	plain := s.start(t)
	withCRL := s.start(t, "-cacrl", s.files.CACRL)
	year := fmt.Sprint(time.Now().Year())
	for _, tc := range []struct {
		name   string
		p      *progtest.Proc
		cert   *testcert.Cert
		starts string
		has    []string
	}{
		{"none", plain, nil, invalid, []string{"No client certificate<hr>"}},
		{"valid", plain, s.pki.Client, valid, []string{idLine(s.pki.Client)}},
		{"revoked without CRL", plain, s.pki.Revoked, valid, []string{idLine(s.pki.Revoked)}},
		{"valid with CRL", withCRL, s.pki.Client, valid, []string{idLine(s.pki.Client), "Not on the CRL<hr>"}},
		{"revoked with CRL", withCRL, s.pki.Revoked, invalid, []string{idLine(s.pki.Revoked), "<font color=red>On the CRL</font>"}},
		{"expired", plain, s.pki.Expired, invalid, []string{"/CN=expired<br>"}},
		{"self-signed", plain, s.pki.SelfSigned, invalid, []string{"/CN=selfsigned<br>/O=POE Test/CN=selfsigned<br>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.get(t, tc.p.Addr, "/some/url?x=1", tc.cert)
			if !strings.HasPrefix(got, tc.starts) {
				t.Errorf("page = %q, want it to start with %q", got, tc.starts)
			}
			for _, h := range append(tc.has, "Your URL was: /some/url?x=1<hr>") {
				if !strings.Contains(got, h) {
					t.Errorf("page = %q, want it to contain %q", got, h)
				}
			}
			if !strings.HasSuffix(got, year) {
				t.Errorf("page = %q, want it to end with the local time", got)
			}
		})
	}
}

// A client that does not speak TLS is dropped; the server goes on.
func TestPlainTextClient(t *testing.T) {
	s := newSetup(t)
	p := s.start(t)
	c, err := net.DialTimeout("tcp", p.Addr, progtest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(progtest.Patience))
	io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
	b, err := io.ReadAll(c)
	c.Close()
	if (err != nil && !strings.Contains(err.Error(), "reset")) || strings.Contains(string(b), "HTTP/") {
		t.Errorf("plain client: read %q, %v; want the connection closed", b, err)
	}
	if got := s.get(t, p.Addr, "/", s.pki.Client); !strings.HasPrefix(got, valid) {
		t.Errorf("after a plain client: %q", got)
	}
}

// openssl s_client as the peer: no certificate, a valid one, and the
// revoked one against a server with the CRL.
func TestOpenSSLClient(t *testing.T) {
	openssl := progtest.Peer(t, "openssl", "openssl")
	s := newSetup(t)
	plain := s.start(t)
	withCRL := s.start(t, "-cacrl", s.files.CACRL)
	for _, tc := range []struct {
		name string
		p    *progtest.Proc
		args []string
		want []string
	}{
		{"none", plain, nil, []string{invalid, "No client certificate<hr>"}},
		{"valid", plain, []string{"-cert", s.files.ClientCrt, "-key", s.files.ClientKey},
			[]string{valid, idLine(s.pki.Client)}},
		{"revoked", withCRL, []string{"-cert", s.files.RevokedCrt, "-key", s.files.RevokedKey},
			[]string{invalid, idLine(s.pki.Revoked), "<font color=red>On the CRL</font>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"s_client", "-connect", tc.p.Addr, "-CAfile", s.files.CACrt,
				"-verify_return_error", "-quiet"}, tc.args...)
			out := progtest.Interact(t, "GET /openssl HTTP/1.0\r\n\r\n", func(out string) bool {
				return strings.Contains(out, "Your URL was: /openssl<hr>")
			}, openssl, args...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("s_client output %q lacks %q", out, w)
				}
			}
		})
	}
}
