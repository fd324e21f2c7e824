package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
	"github.com/seed02617006/poe/internal/testcert"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start builds the program, writes a fresh PKI and starts the server.
func start(t *testing.T) (*progtest.Proc, testcert.Files) {
	t.Helper()
	pki, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	files, err := pki.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0",
		"-crt", files.ServerCrt, "-key", files.ServerKey)
	return p, files
}

func tlsConfig(t *testing.T, files testcert.Files) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(files.CACrt)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// talk runs the seed's conversation with crypto/tls and returns
// everything the server sent before it closed.
func talk(t *testing.T, addr string, cfg *tls.Config, send string) string {
	t.Helper()
	d := &net.Dialer{Timeout: progtest.Patience}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		t.Fatalf("tls dial: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(progtest.Patience))
	greet := "Smile from the server!\r\n"
	buf := make([]byte, len(greet))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != greet {
		t.Fatalf("greeting = %q, %v; want %q", buf, err, greet)
	}
	if _, err := io.WriteString(c, send); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read after %q: %v (got %q)", send, err, rest)
	}
	return string(buf) + string(rest)
}

func TestGoTLSClient(t *testing.T) {
	p, files := start(t)
	cfg := tlsConfig(t, files)
	for _, send := range []string{"hello\r\n", "HEAD /\r\n\r\n"} {
		got := talk(t, p.Addr, cfg, send)
		want := "Smile from the server!\r\nYou sent:\r\n" + send
		if got != want {
			t.Errorf("conversation sending %q = %q, want %q", send, got, want)
		}
	}
	out, _ := p.Stop()
	if want := "got a connection from 127.0.0.1\n"; strings.Count(out, want) != 2 {
		t.Errorf("stdout = %q, want %q twice", out, want)
	}
}

// Plain text on the TLS port gets the connection closed, and the server
// keeps serving.
func TestPlainTextClient(t *testing.T) {
	p, files := start(t)
	c, err := net.DialTimeout("tcp", p.Addr, progtest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(progtest.Patience))
	if _, err := io.WriteString(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// Whatever comes back (an alert at most), the server must close.
	b, err := io.ReadAll(c)
	if err != nil && !isReset(err) {
		t.Fatalf("plain client: read %q, %v; want the connection closed", b, err)
	}
	if strings.Contains(string(b), "Smile") {
		t.Errorf("plain client got plaintext %q", b)
	}
	got := talk(t, p.Addr, tlsConfig(t, files), "still there?")
	if want := "Smile from the server!\r\nYou sent:\r\nstill there?"; got != want {
		t.Errorf("after a plain client: %q, want %q", got, want)
	}
	_, errOut := p.Stop()
	if n := strings.Count(errOut, "handshake failed"); n != 1 {
		t.Errorf("stderr %q reports the failed handshake %d times, want once", errOut, n)
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// openssl s_client as the peer, verifying the server against the CA.
func TestOpenSSLClient(t *testing.T) {
	openssl := progtest.Peer(t, "openssl", "openssl")
	p, files := start(t)
	out := progtest.Interact(t, "hello from openssl\n", func(out string) bool {
		return strings.Contains(out, "You sent:\r\nhello from openssl\n")
	}, openssl, "s_client", "-connect", p.Addr, "-CAfile", files.CACrt,
		"-verify_return_error", "-quiet")
	if !strings.Contains(out, "Smile from the server!\r\n") {
		t.Errorf("s_client output %q lacks the greeting", out)
	}
}
