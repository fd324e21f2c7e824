package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/component/identclient"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startServer builds and runs the example on a free port and returns its
// address.
func startServer(t *testing.T) netip.AddrPort {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ident-server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stderr).ReadString('\n')
		line <- l
		_, _ = io.Copy(io.Discard, stderr)
	}()
	var l string
	select {
	case l = <-line:
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not say where it listens")
	}
	ap, err := netip.ParseAddrPort(strings.TrimSpace(strings.TrimPrefix(l, "ident-server: listening on ")))
	if err != nil {
		t.Fatalf("first line %q: %v", l, err)
	}
	return ap
}

// The SYNOPSIS answers OTHER with the random number, its digits turned
// into letters A-J, followed by the number.
var synopsisID = regexp.MustCompile(`^([A-J]{1,5})([0-9]{1,5})$`)

func checkID(t *testing.T, id string) {
	t.Helper()
	m := synopsisID.FindStringSubmatch(id)
	if m == nil {
		t.Fatalf("userid %q, want letters then digits", id)
	}
	back := strings.Map(func(r rune) rune { return r - 'A' + '0' }, m[1])
	if back != m[2] {
		t.Errorf("userid %q: letters %s stand for %s, want %s", id, m[1], back, m[2])
	}
}

func TestIdentServer(t *testing.T) {
	ap := startServer(t)
	for i := 0; i < 3; i++ {
		r, err := identclient.LookupWith(context.Background(), identclient.Query{
			Local:     netip.MustParseAddrPort("127.0.0.1:6191"),
			Remote:    netip.MustParseAddrPort("127.0.0.1:23"),
			IdentPort: int(ap.Port()),
			Timeout:   20 * time.Second,
		})
		if err != nil {
			t.Fatalf("LookupWith: %v", err)
		}
		if r.OpSys != "OTHER" {
			t.Errorf("opsys = %q, want OTHER", r.OpSys)
		}
		checkID(t, r.UserID)
	}

	// A raw query, and garbage.
	c, err := net.DialTimeout("tcp", ap.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "0113 , 40000\r\n")
	b, _ := io.ReadAll(c)
	got := string(b)
	if !strings.HasPrefix(got, "113 , 40000 : USERID : OTHER : ") || !strings.HasSuffix(got, "\r\n") {
		t.Fatalf("reply = %q", got)
	}
	checkID(t, strings.TrimSuffix(strings.TrimPrefix(got, "113 , 40000 : USERID : OTHER : "), "\r\n"))

	c2, err := net.DialTimeout("tcp", ap.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_ = c2.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c2, "who are you?\r\n")
	if b, _ := io.ReadAll(c2); string(b) != "0 , 0 : ERROR : INVALID-PORT\r\n" {
		t.Errorf("reply to garbage = %q", b)
	}
}
