package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// exchange sends in, half-closes, and returns everything until EOF.
func exchange(t *testing.T, addr string, in []byte) []byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, progtest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(progtest.Patience))
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(c)
		got <- b
	}()
	if _, err := c.Write(in); err != nil {
		t.Error(err)
	}
	c.(*net.TCPConn).CloseWrite()
	return <-got
}

// The tutorial's echo service: cat -u per connection, several at once.
func TestCatPerConnection(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := bytes.Repeat([]byte(fmt.Sprintf("client %d: binary \x00\xff and lines\n", i)), 4000)
			if got := exchange(t, p.Addr, in); !bytes.Equal(got, in) {
				t.Errorf("client %d: got %d bytes back, want its %d", i, len(got), len(in))
			}
		}()
	}
	wg.Wait()
}

// Another filter program: the connection is its input and output.
func TestFilterProgram(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0", "-program", "tr a-z A-Z")
	if got := string(exchange(t, p.Addr, []byte("hello, inetd\n"))); got != "HELLO, INETD\n" {
		t.Errorf("got %q, want %q", got, "HELLO, INETD\n")
	}
}

// The program's standard error reaches the client too, as with inetd.
func TestStderrToClient(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0", "-program", "ls /nonexistent-poe-inetd-test")
	got := string(exchange(t, p.Addr, nil))
	if !bytes.Contains([]byte(got), []byte("nonexistent-poe-inetd-test")) {
		t.Errorf("got %q, want ls's complaint", got)
	}
}

// A client that resets its connection leaves the server serving others.
func TestResetClient(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "some input")
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	if got := string(exchange(t, p.Addr, []byte("still serving\n"))); got != "still serving\n" {
		t.Errorf("got %q after a reset client", got)
	}
}

func TestWithNcat(t *testing.T) {
	ncat := progtest.Peer(t, "ncat", "ncat")
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0", "-program", "sort")
	host, port, _ := net.SplitHostPort(p.Addr)
	out, errOut, code := progtest.Run(t, "pear\napple\nfig\n", ncat, host, port)
	if want := "apple\nfig\npear\n"; code != 0 || out != want {
		t.Errorf("ncat exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, want)
	}
}
