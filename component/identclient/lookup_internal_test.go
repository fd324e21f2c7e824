package identclient

import (
	"net"
	"testing"
	"time"
)

// Lookup asks port 113 of the peer, which a test cannot own: check the
// query it builds, then LookupWith does the rest (tested on its own).
func TestQueryFor(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	q, err := queryFor(s, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	q, err = q.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	// The server's view: its own end is Local, the client's Remote.
	if q.Local != s.LocalAddr().(*net.TCPAddr).AddrPort() || q.Remote != c.LocalAddr().(*net.TCPAddr).AddrPort() {
		t.Errorf("queryFor = Local %v Remote %v, want %v and %v", q.Local, q.Remote, s.LocalAddr(), c.LocalAddr())
	}
	if q.IdentAddr != "127.0.0.1" || q.IdentPort != 113 || q.Timeout != 5*time.Second {
		t.Errorf("queryFor = ident %s:%d timeout %v, want 127.0.0.1:113 5s", q.IdentAddr, q.IdentPort, q.Timeout)
	}
}
