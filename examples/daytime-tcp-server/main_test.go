package main

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// checkDate fails unless line is "scalar localtime" within a minute of now.
func checkDate(t *testing.T, line string) {
	t.Helper()
	if !strings.HasSuffix(line, "\n") || strings.HasSuffix(line, "\r\n") {
		t.Errorf("line %q does not end in a bare newline", line)
	}
	got, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", strings.TrimSuffix(line, "\n"), time.Local)
	if err != nil {
		t.Fatalf("%q is not scalar localtime: %v", line, err)
	}
	if d := time.Since(got); d < -time.Minute || d > time.Minute {
		t.Errorf("date %q is %v away from now", line, d)
	}
}

func TestDaytime(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	// One connection after another, as the tutorial's client makes them.
	for range 5 {
		c, err := net.DialTimeout("tcp", p.Addr, progtest.Patience)
		if err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).SetLinger(0)
		c.SetDeadline(time.Now().Add(progtest.Patience))
		rd := bufio.NewReader(c)
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, line)
		}
		checkDate(t, line)
		if rest, err := rd.ReadString('\n'); rest != "" || err == nil {
			t.Errorf("after the date got %q, %v; want EOF", rest, err)
		}
		c.Close()
	}
}

// A plain client, ncat, gets the date and sees the server close.
func TestDaytimeWithNcat(t *testing.T) {
	ncat := progtest.Peer(t, "ncat", "ncat")
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	host, port, _ := net.SplitHostPort(p.Addr)
	out, errOut, code := progtest.Run(t, "", ncat, host, port)
	if code != 0 {
		t.Fatalf("ncat exit %d: %s", code, errOut)
	}
	checkDate(t, out)
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, errOut, code := progtest.Run(t, "", progtest.Build(t, "."), "-addr", ln.Addr().String())
	if code != 1 || !strings.Contains(errOut, "bind: Address already in use") {
		t.Errorf("exit %d, stderr %q; want 1 and the bind error", code, errOut)
	}
}
