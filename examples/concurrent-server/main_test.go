package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type client struct {
	t  *testing.T
	c  net.Conn
	rd *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, progtest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, rd: bufio.NewReader(c)}
}

func (c *client) say(line string) string {
	c.t.Helper()
	c.c.SetDeadline(time.Now().Add(progtest.Patience))
	fmt.Fprintf(c.c, "%s\n", line)
	got, err := c.rd.ReadString('\n')
	if err != nil {
		c.t.Fatalf("after %q: %v", line, err)
	}
	return strings.TrimRight(got, "\r\n")
}

// Clients interleave their lines; a client that sends half a line and
// stalls does not hold the others up; each has its own count.
func TestClientsServedConcurrently(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	slow := dial(t, p.Addr)
	fmt.Fprint(slow.c, "half a li") // and nothing more, for now
	clients := []*client{dial(t, p.Addr), dial(t, p.Addr), dial(t, p.Addr)}
	for round := 1; round <= 3; round++ {
		for i, c := range clients {
			line := fmt.Sprintf("client %d round %d", i, round)
			if got, want := c.say(line), fmt.Sprintf("%d: %s", round, line); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		}
	}
	if got := slow.say("ne"); got != "1: half a line" {
		t.Errorf("slow client got %q", got)
	}
	for _, c := range append(clients, slow) {
		if got := c.say("quit"); got != "bye" {
			t.Errorf("quit answered %q", got)
		}
	}
	// The server logs a departure after it has answered "bye": wait for
	// the lines rather than stop it under them.
	for _, c := range clients {
		p.WaitStdout(t, c.c.LocalAddr().String()+" left after 3 lines")
	}
	out, _ := p.Stop()
	if strings.Count(out, "connected\n") != 4 {
		t.Errorf("log does not show 4 connections:\n%s", out)
	}
}

// With -concurrency 1 a second client waits until the first leaves.
func TestConcurrencyFlag(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0", "-concurrency", "1")
	first, second := dial(t, p.Addr), dial(t, p.Addr)
	if got := first.say("a"); got != "1: a" {
		t.Fatalf("first client got %q", got)
	}
	fmt.Fprint(second.c, "b\n")
	second.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := second.rd.Peek(1); err == nil {
		t.Fatalf("second client served while the first holds the only slot")
	}
	first.say("quit")
	second.c.SetReadDeadline(time.Now().Add(progtest.Patience))
	if got, err := second.rd.ReadString('\n'); got != "1: b\r\n" {
		t.Errorf("second client, after the first left, got %q, %v", got, err)
	}
}

// ncat as a client: lines in, numbered lines out, closed after quit.
func TestWithNcat(t *testing.T) {
	ncat := progtest.Peer(t, "ncat", "ncat")
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	host, port, _ := net.SplitHostPort(p.Addr)
	out, errOut, code := progtest.Run(t, "x\ny\nquit\n", ncat, host, port)
	if want := "1: x\r\n2: y\r\nbye\r\n"; code != 0 || out != want {
		t.Errorf("ncat exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, want)
	}
}
