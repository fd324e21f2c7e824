package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func checkDate(t *testing.T, got string) {
	t.Helper()
	d, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", got, time.Local)
	if err != nil {
		t.Fatalf("%q is not scalar localtime: %v", got, err)
	}
	if off := time.Since(d); off < -time.Minute || off > time.Minute {
		t.Errorf("date %q is %v away from now", got, off)
	}
}

func TestDaytimeUDP(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	c, err := net.Dial("udp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 1024)
	// The tutorial's client sends an empty datagram; any datagram will do.
	for _, req := range []string{"", "x", strings.Repeat("?", 500)} {
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(progtest.Patience))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("no answer to %d bytes: %v", len(req), err)
		}
		checkDate(t, string(buf[:n]))
	}
}

// ncat as a plain UDP client: it sends its input and prints the answer.
func TestDaytimeUDPWithNcat(t *testing.T) {
	ncat := progtest.Peer(t, "ncat", "ncat")
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	host, port, _ := net.SplitHostPort(p.Addr)
	out := progtest.Interact(t, "x", func(out string) bool { return len(out) >= 24 }, ncat, "-u", host, port)
	checkDate(t, out)
}
