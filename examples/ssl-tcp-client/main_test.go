package main

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
	"github.com/seed02617006/poe/internal/testcert"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func pki(t *testing.T) testcert.Files {
	t.Helper()
	p, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// pieces splits the client's output into the plaintext pieces it printed
// as "from server: PIECE\n".
func pieces(t *testing.T, out string) string {
	t.Helper()
	const prefix = "from server: "
	if out == "" {
		return ""
	}
	if !strings.HasPrefix(out, prefix) {
		t.Fatalf("output %q does not start with %q", out, prefix)
	}
	var all strings.Builder
	for _, p := range strings.Split(out, prefix)[1:] {
		if !strings.HasSuffix(p, "\n") {
			t.Fatalf("piece %q of output %q does not end in a newline", p, out)
		}
		all.WriteString(strings.TrimSuffix(p, "\n"))
	}
	return all.String()
}

// Against the seed's TCP-Server (examples/ssl-tcp-server): the client
// gets the greeting and its HEAD echoed, and ends when the server closes.
func TestAgainstSSLTCPServer(t *testing.T) {
	files := pki(t)
	client := progtest.Build(t, ".")
	server := progtest.Start(t, progtest.Build(t, "../ssl-tcp-server"), "-addr", "127.0.0.1:0",
		"-crt", files.ServerCrt, "-key", files.ServerKey)
	for _, args := range [][]string{
		{"-addr", server.Addr},                        // as the seed: no verification
		{"-addr", server.Addr, "-cacrt", files.CACrt}, // verified
	} {
		out, errOut, code := progtest.Run(t, "", client, args...)
		want := "Smile from the server!\r\nYou sent:\r\nHEAD /\r\n\r\n"
		if got := pieces(t, out); got != want || code != 0 {
			t.Errorf("client %q: exit %d, data %q (stderr %q); want 0, %q", args, code, got, errOut, want)
		}
	}
}

// A server whose certificate does not verify against -cacrt: the
// handshake fails, the client says so once and ends without data.
func TestUntrustedServer(t *testing.T) {
	files := pki(t)
	server := progtest.Start(t, progtest.Build(t, "../ssl-tcp-server"), "-addr", "127.0.0.1:0",
		"-crt", files.ServerCrt, "-key", files.ServerKey)
	out, errOut, _ := progtest.Run(t, "", progtest.Build(t, "."), "-addr", server.Addr, "-cacrt", files.SelfSignedCrt)
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	if n := strings.Count(errOut, "handshake failed"); n != 1 {
		t.Errorf("stderr %q reports the failed handshake %d times, want once", errOut, n)
	}
}

// openssl s_server -rev as the peer: it sends back each line reversed.
func TestOpenSSLServer(t *testing.T) {
	openssl := progtest.Peer(t, "openssl", "openssl")
	files := pki(t)
	port := progtest.FreePort(t)
	srv := exec.Command(openssl, "s_server", "-accept", "127.0.0.1:"+port,
		"-cert", files.ServerCrt, "-key", files.ServerKey, "-rev", "-naccept", "1")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if !ok && strings.Contains(sc.Text(), "ACCEPT") {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("openssl s_server ended without accepting")
		}
	case <-time.After(progtest.Patience):
		t.Fatal("openssl s_server not ready")
	}
	// s_server keeps the connection open, so stop the client once the
	// reversed request line has arrived.
	out := progtest.Interact(t, "", func(out string) bool {
		return strings.Contains(out, "/ DAEH")
	}, progtest.Build(t, "."), "-addr", "127.0.0.1:"+port, "-cacrt", files.CACrt)
	if !strings.HasPrefix(out, "from server: ") {
		t.Errorf("output %q lacks the seed's prefix", out)
	}
}
