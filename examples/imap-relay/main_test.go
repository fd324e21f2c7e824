package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
	"github.com/seed02617006/poe/internal/testcert"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// responder is a minimal IMAP server on loopback: a greeting, then
// "TAG OK CMD completed by NAME" for each command; LOGOUT says BYE and
// closes.
func responder(t *testing.T, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(progtest.Patience))
				fmt.Fprintf(c, "* OK %s IMAP ready\r\n", name)
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					f := strings.Fields(sc.Text())
					if len(f) < 2 {
						fmt.Fprintf(c, "* BAD %s\r\n", name)
						continue
					}
					cmd := strings.ToUpper(f[1])
					if cmd == "LOGOUT" {
						fmt.Fprintf(c, "* BYE %s\r\n%s OK LOGOUT completed by %s\r\n", name, f[0], name)
						return
					}
					fmt.Fprintf(c, "%s OK %s completed by %s\r\n", f[0], cmd, name)
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

type relay struct {
	p        *progtest.Proc
	plain    string // the 143-style address
	tls      string // the 993-style address
	files    testcert.Files
	roots    *x509.CertPool
	mainIMAP string
	user1    string
}

var listenRE = regexp.MustCompile(`listening on (\S+)`)

func start(t *testing.T) *relay {
	t.Helper()
	pki, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	files, err := pki.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{files: files, roots: x509.NewCertPool()}
	r.roots.AddCert(pki.CA.Cert)
	r.mainIMAP = responder(t, "main")
	r.user1 = responder(t, "user1box")
	r.p = progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0", "-ssladdr", "127.0.0.1:0",
		"-crt", files.ServerCrt, "-key", files.ServerKey,
		"-server", r.mainIMAP, "-user", "user1="+r.user1)
	deadline := time.Now().Add(progtest.Patience)
	for {
		m := listenRE.FindAllStringSubmatch(r.p.Stderr(), -1)
		if len(m) >= 2 {
			r.plain, r.tls = m[0][1], m[1][1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("relay did not report two listeners: %q", r.p.Stderr())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return r
}

// conv is one client's conversation, line by line.
type conv struct {
	t  *testing.T
	c  net.Conn
	rd *bufio.Reader
}

func newConv(t *testing.T, c net.Conn) *conv {
	c.SetDeadline(time.Now().Add(progtest.Patience))
	return &conv{t, c, bufio.NewReader(c)}
}

func (v *conv) expect(prefix string) {
	v.t.Helper()
	line, err := v.rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, prefix) {
		v.t.Fatalf("read %q, %v; want a line starting %q", line, err, prefix)
	}
}

func (v *conv) send(s string) {
	v.t.Helper()
	if _, err := io.WriteString(v.c, s); err != nil {
		v.t.Fatal(err)
	}
}

func (v *conv) expectEOF() {
	v.t.Helper()
	if b, err := io.ReadAll(v.rd); err != nil || len(b) != 0 {
		v.t.Fatalf("at the end: read %q, %v; want EOF", b, err)
	}
}

// loginAndOut logs in as user and talks to the IMAP server behind.
func (v *conv) loginAndOut(user, box string) {
	v.t.Helper()
	v.send(`2 LOGIN "` + user + `" "secret"` + "\r\n")
	v.expect("2 OK LOGIN completed by " + box)
	v.send("3 NOOP\r\n")
	v.expect("3 OK NOOP completed by " + box)
	v.send("4 LOGOUT\r\n")
	v.expect("* BYE " + box)
	v.expect("4 OK LOGOUT completed by " + box)
	v.expectEOF()
}

const greeting = "* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION STARTTLS] IMAP Relay v0.1 ready.\r\n"

func TestPlain(t *testing.T) {
	r := start(t)
	for _, tc := range []struct{ user, box string }{{"user1", "user1box"}, {"someone", "main"}} {
		c, err := net.DialTimeout("tcp", r.plain, progtest.Patience)
		if err != nil {
			t.Fatal(err)
		}
		v := newConv(t, c)
		v.expect(greeting)
		v.send("1 CAPABILITY\r\n")
		v.expect("* CAPABILITY IMAP4rev1 ")
		v.expect("1 OK CAPABILITY completed\r\n")
		v.loginAndOut(tc.user, tc.box)
		c.Close()
	}
	out, _ := r.p.Stop()
	for _, re := range []string{
		`(?m)^session \d+ got a connection from 127\.0\.0\.1 $`,
		`(?m)^session \d+ login of user user1 $`,
		`(?m)^session \d+ login of user someone $`,
		`(?m)^session \d+ client connected $`,
		`(?m)^session \d+ <- 8 Bytes $`,  // "3 NOOP\r\n"
		`(?m)^session \d+ -> 33 Bytes $`, // "3 OK NOOP completed by user1box\r\n"
		`(?m)^session \d+ client disconnected $`,
		`(?m)^session \d+ server got disconnect $`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("stdout %q does not match %s", out, re)
		}
	}
}

func TestStartTLS(t *testing.T) {
	r := start(t)
	c, err := net.DialTimeout("tcp", r.plain, progtest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v := newConv(t, c)
	v.expect(greeting)
	v.send("7 STARTTLS\r\n")
	v.expect("7 OK Begin SSL/TLS negotiation now.\r\n")
	if v.rd.Buffered() != 0 {
		t.Fatalf("%d bytes after the STARTTLS OK, before the handshake", v.rd.Buffered())
	}
	tc := tls.Client(c, &tls.Config{RootCAs: r.roots, ServerName: "localhost"})
	w := newConv(t, tc)
	w.send("1 CAPABILITY\r\n")
	w.expect("* CAPABILITY IMAP4rev1 ")
	w.expect("1 OK CAPABILITY completed\r\n")
	w.loginAndOut("user1", "user1box")
	out, _ := r.p.Stop()
	if !regexp.MustCompile(`(?m)^session \d+ SSLing now\.\.\. $`).MatchString(out) {
		t.Errorf("stdout %q lacks the SSLing line", out)
	}
}

func TestDirectTLS(t *testing.T) {
	r := start(t)
	d := &net.Dialer{Timeout: progtest.Patience}
	c, err := tls.DialWithDialer(d, "tcp", r.tls, &tls.Config{RootCAs: r.roots, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v := newConv(t, c)
	v.expect(greeting)
	v.loginAndOut("someone", "main")
}

// An unknown command before login ends the connection; plain text on
// the TLS port too. The relay goes on serving.
func TestBadClients(t *testing.T) {
	r := start(t)
	c, err := net.DialTimeout("tcp", r.plain, progtest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	v := newConv(t, c)
	v.expect(greeting)
	v.send("1 SELECT INBOX\r\n")
	v.expectEOF()
	c.Close()

	c, err = net.DialTimeout("tcp", r.tls, progtest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(progtest.Patience))
	io.WriteString(c, "1 CAPABILITY\r\n")
	b, err := io.ReadAll(c)
	c.Close()
	if (err != nil && !strings.Contains(err.Error(), "reset")) || strings.Contains(string(b), "CAPABILITY") {
		t.Errorf("plain text on the TLS port: read %q, %v; want the connection closed", b, err)
	}

	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: progtest.Patience}, "tcp", r.tls,
		&tls.Config{RootCAs: r.roots, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	w := newConv(t, tc)
	w.expect(greeting)
	w.loginAndOut("user1", "user1box")
	out, errOut := r.p.Stop()
	if !strings.Contains(out, "unknown command before login, disconnecting. \n") {
		t.Errorf("stdout %q lacks the unknown command line", out)
	}
	if n := strings.Count(errOut, "handshake failed"); n != 1 {
		t.Errorf("stderr %q reports the failed handshake %d times, want once", errOut, n)
	}
}

// openssl s_client as the peer: -starttls imap on the plain port (its
// tag is "."), and direct TLS on the other.
func TestOpenSSLClient(t *testing.T) {
	openssl := progtest.Peer(t, "openssl", "openssl")
	r := start(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"starttls", []string{"-connect", r.plain, "-starttls", "imap"}},
		{"direct", []string{"-connect", r.tls}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"s_client", "-CAfile", r.files.CACrt, "-verify_return_error", "-quiet"}, tc.args...)
			out := progtest.Interact(t, `5 LOGIN "user1" "pw"`+"\r\n", func(out string) bool {
				return strings.Contains(out, "5 OK LOGIN completed by user1box\r\n")
			}, openssl, args...)
			if tc.name == "direct" && !strings.HasPrefix(out, greeting) {
				t.Errorf("s_client output %q does not start with the relay's greeting", out)
			}
		})
	}
}
