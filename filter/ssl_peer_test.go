package filter_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/internal/testcert"
)

// peerTimeout bounds every test against a real peer, so that a broken
// peer fails the test instead of hanging it. It is a guard, not a
// measurement.
const peerTimeout = 30 * time.Second

// requirePeer skips the test when a peer is missing, or fails it when
// POE_REQUIRE_PEERS=1 says CI installed every peer.
func requirePeer(t *testing.T, name, debianPkg string, present bool) {
	t.Helper()
	if present {
		return
	}
	msg := fmt.Sprintf("%s not available (Debian package %s)", name, debianPkg)
	if os.Getenv("POE_REQUIRE_PEERS") == "1" {
		t.Fatal(msg + " and POE_REQUIRE_PEERS=1")
	}
	t.Skip(msg)
}

func haveOpenSSL() bool {
	_, err := exec.LookPath("openssl")
	return err == nil
}

func havePerlPOEFilterSSL() bool {
	return exec.Command("perl", "-MPOE", "-MPOE::Filter::SSL", "-e", "1").Run() == nil
}

// replyFunc answers one plaintext record; done closes the TLS session.
type replyFunc func(f *filter.SSL, rec []byte) (reply []any, done bool)

// drive is the harness that stands in for a ReadWrite wheel: it reads
// conn, feeds the filter, writes TakeOutput and Put's ciphertext, and
// calls reply for each record. It returns when the peer closes (TCP or
// close_notify), the filter fails, or reply says done. first is Put
// before anything is read (a client's opening words).
func drive(conn net.Conn, f *filter.SSL, first []any, reply replyFunc) error {
	conn.SetDeadline(time.Now().Add(peerTimeout))
	write := func(chunks [][]byte) error {
		for _, c := range chunks {
			if _, err := conn.Write(c); err != nil {
				return err
			}
		}
		return nil
	}
	if first != nil {
		out, err := f.Put(first)
		if err != nil {
			return err
		}
		if err := write(out); err != nil {
			return err
		}
	}
	if err := write(f.TakeOutput()); err != nil {
		return err
	}
	buf := make([]byte, 32<<10)
	for {
		n, rerr := conn.Read(buf)
		if n > 0 {
			f.GetOneStart([][]byte{buf[:n]})
			for {
				rec, err := f.GetOne()
				werr := write(f.TakeOutput())
				if err != nil {
					return err
				}
				if werr != nil {
					return werr
				}
				if len(rec) == 0 {
					break
				}
				answer, done := reply(f, rec[0].([]byte))
				out, err := f.Put(answer)
				if err != nil {
					return err
				}
				if err := write(out); err != nil {
					return err
				}
				if done {
					f.Close()
					return write(f.TakeOutput())
				}
			}
			if f.PeerClosed() {
				return nil
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				return nil
			}
			return rerr
		}
	}
}

// serveOnce accepts one connection on a fresh loopback listener and
// drives f over it. It returns the address and a channel with drive's
// result. With waitHangup the server keeps TCP open after its
// close_notify until the client hangs up, so that the client can only
// see the end of the stream through close_notify.
func serveOnce(t *testing.T, f *filter.SSL, waitHangup bool, reply replyFunc) (string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		defer ln.Close()
		conn, err := ln.Accept()
		if err != nil {
			res <- err
			return
		}
		defer conn.Close()
		err = drive(conn, f, nil, reply)
		if err == nil && waitHangup {
			conn.SetReadDeadline(time.Now().Add(peerTimeout))
			io.Copy(io.Discard, conn)
		}
		res <- err
	}()
	return ln.Addr().String(), res
}

func statusReply(f *filter.SSL, rec []byte) ([]any, bool) {
	subject := "none"
	if ids := f.ClientCertIDs(); len(ids) > 0 {
		subject = ids[0].Subject
	}
	return []any{fmt.Sprintf("got=%q exists=%v valid=%v notOnCRL=%v subject=%s\n",
		rec, f.ClientCertExists(), f.ClientCertValid(), f.ClientCertNotOnCRL(), subject)}, true
}

func TestSSLOpenSSLClient(t *testing.T) {
	requirePeer(t, "openssl s_client", "openssl", haveOpenSSL())
	p := testPKI(t)
	files, err := p.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		args      []string
		block     bool
		tls12     bool
		want      string // in s_client's output; "" if the handshake must fail
		wantCode  int    // CertVerifyError code when it fails
		wantLeaf  string // server's ClientCertIDs()[0].Subject
		wantValid bool
	}{
		{"no cert", nil, false, false, `got="ping\n" exists=false valid=false notOnCRL=false subject=none`, 0, "", false},
		{"client cert", []string{"-cert", files.ClientCrt, "-key", files.ClientKey}, false, false,
			`got="ping\n" exists=true valid=true notOnCRL=true subject=/O=POE Test/CN=client`, 0, "/O=POE Test/CN=client", true},
		{"client cert tls1.2", []string{"-cert", files.ClientCrt, "-key", files.ClientKey, "-tls1_2"}, true, true,
			`got="ping\n" exists=true valid=true notOnCRL=true subject=/O=POE Test/CN=client`, 0, "/O=POE Test/CN=client", true},
		{"revoked cert", []string{"-cert", files.RevokedCrt, "-key", files.RevokedKey}, false, false,
			`got="ping\n" exists=true valid=false notOnCRL=false subject=/O=POE Test/CN=revoked`, 0, "/O=POE Test/CN=revoked", false},
		{"revoked cert blocked", []string{"-cert", files.RevokedCrt, "-key", files.RevokedKey}, true, false, "", 23, "/O=POE Test/CN=revoked", false},
		{"no cert blocked", nil, true, true, "", 0, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := mustSSL(t, filter.SSLOptions{
				Crt: files.ServerCrt, Key: files.ServerKey, CACrt: files.CACrt, CACRL: files.CACRL,
				ClientCert: true, BlockBadClientCert: tc.block, TLS12: tc.tls12,
			})
			addr, res := serveOnce(t, server, false, statusReply)
			ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
			defer cancel()
			args := append([]string{"s_client", "-connect", addr, "-CAfile", files.CACrt,
				"-verify_return_error", "-servername", "localhost", "-quiet"}, tc.args...)
			cmd := exec.CommandContext(ctx, "openssl", args...)
			cmd.Stdin = strings.NewReader("ping\n")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			serr := <-res
			if tc.want != "" {
				if runErr != nil || serr != nil {
					t.Fatalf("s_client: %v, server: %v\nstderr: %s", runErr, serr, stderr.String())
				}
				if got := strings.TrimSpace(stdout.String()); got != tc.want {
					t.Errorf("s_client printed %q, want %q", got, tc.want)
				}
			} else {
				if !errors.Is(serr, filter.ErrHandshake) {
					t.Fatalf("server error %v, want ErrHandshake", serr)
				}
				if tc.wantCode != 0 {
					var ve *filter.CertVerifyError
					if !errors.As(serr, &ve) || ve.Code != tc.wantCode {
						t.Errorf("server error %v, want CertVerifyError %d", serr, tc.wantCode)
					}
				}
				if strings.Contains(stdout.String(), "got=") {
					t.Errorf("s_client got a reply %q through a refused handshake", stdout.String())
				}
			}
			if tc.wantLeaf != "" {
				if ids := server.ClientCertIDs(); len(ids) == 0 || ids[0].Subject != tc.wantLeaf {
					t.Errorf("ClientCertIDs() = %+v, want leaf %q", ids, tc.wantLeaf)
				}
			}
			if tc.tls12 && tc.want != "" {
				if got := tlsVersion(server); got != "TLS 1.2" {
					t.Errorf("version %s, want TLS 1.2", got)
				}
			}
		})
	}
}

func TestSSLGoTLSClient(t *testing.T) {
	p := testPKI(t)
	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Cert)
	for _, tls12 := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls12=%v", tls12), func(t *testing.T) {
			so := serverOpts(t)
			so.ClientCert = true
			so.CACrtMem = [][]byte{p.CA.CertPEM}
			so.CACRLMem = p.CRL
			so.TLS12 = tls12
			server := mustSSL(t, so)
			addr, res := serveOnce(t, server, true, statusReply)
			conn, err := tls.Dial("tcp", addr, &tls.Config{
				RootCAs: roots, ServerName: "localhost",
				Certificates: []tls.Certificate{p.Client.TLS()},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(peerTimeout))
			if _, err := conn.Write([]byte("ping\n")); err != nil {
				t.Fatal(err)
			}
			// ReadAll ends cleanly only on close_notify: the server keeps
			// TCP open until the client hangs up.
			got, err := io.ReadAll(conn)
			if err != nil {
				t.Fatalf("reading the reply: %v", err)
			}
			conn.Close()
			if serr := <-res; serr != nil {
				t.Fatalf("server: %v", serr)
			}
			want := `got="ping\n" exists=true valid=true notOnCRL=true subject=/O=POE Test/CN=client` + "\n"
			if string(got) != want {
				t.Errorf("reply %q, want %q", got, want)
			}
		})
	}
}

func TestSSLGoTLSServer(t *testing.T) {
	p := testPKI(t)
	pool := x509.NewCertPool()
	pool.AddCert(p.CA.Cert)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{p.Server.TLS()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	res := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			res <- err
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(peerTimeout))
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			res <- err
			return
		}
		if _, err := conn.Write([]byte("pong: " + line)); err != nil {
			res <- err
			return
		}
		res <- conn.Close() // sends close_notify
	}()
	client := mustSSL(t, filter.SSLOptions{
		Client: true, CrtMem: p.Client.CertPEM, KeyMem: p.Client.KeyPEM,
		CACrtMem: [][]byte{p.CA.CertPEM}, SNI: "localhost",
	})
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var got []byte
	err = drive(conn, client, []any{"ping\n"}, func(_ *filter.SSL, rec []byte) ([]any, bool) {
		got = append(got, rec...)
		return nil, false
	})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	if serr := <-res; serr != nil {
		t.Fatalf("server: %v", serr)
	}
	if string(got) != "pong: ping\n" {
		t.Errorf("client got %q, want %q", got, "pong: ping\n")
	}
	if !client.PeerClosed() {
		t.Error("client.PeerClosed() = false after the server's Close, want true")
	}
	if !client.ClientCertValid() {
		t.Errorf("client.ClientCertValid() = false for the server's certificate, want true (ids %+v)", client.ClientCertIDs())
	}
}

// perlServer is the seed's TCP-Server example with client certificates:
// POE::Component::Server::TCP with POE::Filter::SSL.
const perlServer = `use strict;
use warnings;
use Socket qw(sockaddr_in);
use POE qw(Component::Server::TCP Filter::SSL);

my ($crt, $key, $cacrt) = @ARGV;
$| = 1;
POE::Component::Server::TCP->new(
  Alias   => 'tcp',
  Address => '127.0.0.1',
  Port    => 0,
  ClientFilter => [ "POE::Filter::SSL", crt => $crt, key => $key, cacrt => $cacrt,
                    clientcert => 1, errorhandler => 'ignore' ],
  Started => sub {
    my ($port) = sockaddr_in($_[HEAP]{listener}->getsockname);
    print "PORT $port\n";
  },
  ClientConnected => sub {
    $_[HEAP]{client}->put("Smile from the server!\r\n");
  },
  ClientInput => sub {
    my $f = $_[HEAP]{client}->get_input_filter();
    $_[HEAP]{client}->put("You sent: $_[ARG0] valid=" . ($f->clientCertValid() ? 1 : 0) . "\r\n");
    $_[KERNEL]->yield("shutdown");
  },
  ClientDisconnected => sub {
    $_[KERNEL]->post(tcp => 'shutdown');
  },
);
POE::Kernel->run;
`

// perlClient is the seed's TCP-Client example, with a client certificate.
const perlClient = `use strict;
use warnings;
use POE qw(Component::Client::TCP Filter::SSL);

my ($port, $crt, $key) = @ARGV;
$| = 1;
POE::Component::Client::TCP->new(
  RemoteAddress => '127.0.0.1',
  RemotePort    => $port,
  Filter        => [ "POE::Filter::SSL", client => 1, crt => $crt, key => $key ],
  Connected     => sub {
    $_[HEAP]{server}->put("HEAD /\r\n\r\n");
  },
  ServerInput   => sub {
    print "from server: ".$_[ARG0]."\n";
  },
);
POE::Kernel->run();
`

func writeScript(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSSLPerlServer(t *testing.T) {
	requirePeer(t, "Perl POE::Filter::SSL", "libpoe-filter-ssl-perl libpoe-perl", havePerlPOEFilterSSL())
	p := testPKI(t)
	files, err := p.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		cert      *testcert.Cert
		tls12     bool
		wantValid string
	}{
		{"with client cert", p.Client, false, "valid=1"},
		{"with client cert tls1.2", p.Client, true, "valid=1"},
		{"without client cert", nil, false, "valid=0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, "perl", writeScript(t, "server.pl", perlServer),
				files.ServerCrt, files.ServerKey, files.CACrt)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			defer cancel()
			var port int
			if _, err := fmt.Fscanf(bufio.NewReader(stdout), "PORT %d\n", &port); err != nil {
				t.Fatalf("reading the Perl server's port: %v (stderr %s)", err, stderr.String())
			}
			co := filter.SSLOptions{Client: true, CACrt: files.CACrt, TLS12: tc.tls12}
			if tc.cert != nil {
				co.CrtMem, co.KeyMem = tc.cert.CertPEM, tc.cert.KeyPEM
			}
			client := mustSSL(t, co)
			conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var got []byte
			err = drive(conn, client, []any{"hello from go"}, func(_ *filter.SSL, rec []byte) ([]any, bool) {
				got = append(got, rec...)
				return nil, false
			})
			if err != nil {
				t.Fatalf("client: %v (perl stderr %s)", err, stderr.String())
			}
			want := "Smile from the server!\r\nYou sent: hello from go " + tc.wantValid + "\r\n"
			if string(got) != want {
				t.Errorf("client got %q, want %q (perl stderr %s)", got, want, stderr.String())
			}
			if !client.ClientCertValid() {
				t.Errorf("the Perl server's certificate is not valid for us: %+v", client.ClientCertIDs())
			}
			if tc.tls12 {
				if v := tlsVersion(client); v != "TLS 1.2" {
					t.Errorf("version %s, want TLS 1.2", v)
				}
			}
		})
	}
}

func TestSSLPerlClient(t *testing.T) {
	requirePeer(t, "Perl POE::Filter::SSL", "libpoe-filter-ssl-perl libpoe-perl", havePerlPOEFilterSSL())
	p := testPKI(t)
	files, err := p.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		crt   string
		key   string
		tls12 bool
		want  string
	}{
		{"client cert", files.ClientCrt, files.ClientKey, false,
			`from server: got="HEAD /\r\n\r\n" exists=true valid=true notOnCRL=true subject=/O=POE Test/CN=client`},
		{"revoked cert tls1.2", files.RevokedCrt, files.RevokedKey, true,
			`from server: got="HEAD /\r\n\r\n" exists=true valid=false notOnCRL=false subject=/O=POE Test/CN=revoked`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := mustSSL(t, filter.SSLOptions{
				Crt: files.ServerCrt, Key: files.ServerKey, CACrt: files.CACrt, CACRL: files.CACRL,
				ClientCert: true, TLS12: tc.tls12,
			})
			addr, res := serveOnce(t, server, false, statusReply)
			_, port, _ := net.SplitHostPort(addr)
			ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, "perl", writeScript(t, "client.pl", perlClient), port, tc.crt, tc.key)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			if serr := <-res; serr != nil {
				t.Fatalf("server: %v (perl: %v, stdout %s stderr %s)", serr, runErr, stdout.String(), stderr.String())
			}
			if runErr != nil {
				t.Fatalf("perl client: %v (stdout %s stderr %s)", runErr, stdout.String(), stderr.String())
			}
			if got := strings.TrimSpace(stdout.String()); got != tc.want {
				t.Errorf("perl printed %q, want %q (stderr %s)", got, tc.want, stderr.String())
			}
		})
	}
}
