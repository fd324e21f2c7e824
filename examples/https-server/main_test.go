package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
	"github.com/seed02617006/poe/internal/testcert"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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
		"-crt", files.ServerCrt, "-key", files.ServerKey, "-cacrt", files.CACrt)
	return p, files
}

func httpsClient(t *testing.T, files testcert.Files) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(files.CACrt)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: progtest.Patience}
}

func TestGoHTTPSClient(t *testing.T) {
	p, files := start(t)
	c := httpsClient(t, files)
	for _, tc := range []struct{ path, body string }{
		{"/", "Hi, you fetched /"},
		{"/some/where?x=1", "Hi, you fetched /some/where?x=1"},
		{"/dir/x", ""}, // the seed's sub { return; }
		{"/file", ""},  // same
		{"/filer", ""}, // "/file" is a prefix, as in Server::HTTP
		{"/dirx", "Hi, you fetched /dirx"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := c.Get("https://" + p.Addr + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || string(b) != tc.body || resp.Header.Get("Server") != "My Server" {
				t.Errorf("GET %s = %d %q, Server %q; want 200 %q, My Server",
					tc.path, resp.StatusCode, b, resp.Header.Get("Server"), tc.body)
			}
		})
	}
}

// Garbage inside TLS gets the HTTPD filter's 400; plain text outside TLS
// gets the connection closed. The server goes on either way.
func TestBadClients(t *testing.T) {
	p, files := start(t)
	pem, _ := os.ReadFile(files.CACrt)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)

	d := &net.Dialer{Timeout: progtest.Patience}
	tc, err := tls.DialWithDialer(d, "tcp", p.Addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	tc.SetDeadline(time.Now().Add(progtest.Patience))
	io.WriteString(tc, "NOT HTTP AT ALL\r\n\r\n")
	b, _ := io.ReadAll(tc)
	tc.Close()
	if !strings.HasPrefix(string(b), "HTTP/1.1 400 ") {
		t.Errorf("garbage over TLS got %q, want a 400 response", b)
	}

	pc, err := net.DialTimeout("tcp", p.Addr, progtest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	pc.SetDeadline(time.Now().Add(progtest.Patience))
	io.WriteString(pc, "GET / HTTP/1.0\r\n\r\n")
	b, err = io.ReadAll(pc)
	pc.Close()
	if (err != nil && !strings.Contains(err.Error(), "reset")) || strings.Contains(string(b), "HTTP/") {
		t.Errorf("plain HTTP on the TLS port: read %q, %v; want the connection closed", b, err)
	}

	resp, err := httpsClient(t, files).Get("https://" + p.Addr + "/after")
	if err != nil {
		t.Fatalf("after bad clients: %v", err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "Hi, you fetched /after"; string(b) != want {
		t.Errorf("after bad clients: %q, want %q", b, want)
	}
}

// curl as the peer, with and without a client certificate (the server
// does not ask for one, so both work).
func TestCurl(t *testing.T) {
	curl := progtest.Peer(t, "curl", "curl")
	p, files := start(t)
	for _, extra := range [][]string{nil, {"--cert", files.ClientCrt, "--key", files.ClientKey}} {
		args := append([]string{"-sS", "-i", "--max-time", "20", "--cacert", files.CACrt}, extra...)
		args = append(args, "https://"+p.Addr+"/curl?q=1")
		out, errOut, code := progtest.Run(t, "", curl, args...)
		if code != 0 || !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") ||
			!strings.Contains(out, "\r\nServer: My Server\r\n") ||
			!strings.HasSuffix(out, "\r\n\r\nHi, you fetched /curl?q=1") {
			t.Errorf("curl %q: exit %d, output %q, stderr %q", extra, code, out, errOut)
		}
	}
}
