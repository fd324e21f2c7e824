package gosrv

import (
	"bufio"
	"net"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Each connection gets its handler; Close returns once every handler has
// returned, and leaves no goroutine behind.
func TestServeAndClose(t *testing.T) {
	var served atomic.Int32
	s, err := Start(func(c net.Conn) {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err == nil {
			_, _ = c.Write([]byte("echo " + line))
		}
		served.Add(1)
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte("hi\n"))
		got, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || got != "echo hi\n" {
			t.Fatalf("got %q, %v; want %q", got, err, "echo hi\n")
		}
	}
	s.Close()
	if n := served.Load(); n != 3 {
		t.Errorf("%d handlers had returned when Close returned, want 3", n)
	}
	if _, err := net.Dial("tcp", s.Addr().String()); err == nil {
		t.Error("the server still accepts after Close")
	}
}
