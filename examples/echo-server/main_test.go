package main

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Several clients at once send binary data in pieces of random sizes and
// half-close; each gets exactly its own bytes back, then EOF.
func TestEcho(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			data := make([]byte, 256<<10+i)
			for j := range data {
				data[j] = byte(rng.IntN(256))
			}
			c, err := net.DialTimeout("tcp", p.Addr, progtest.Patience)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(progtest.Patience))
			got := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(c)
				got <- b
			}()
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(10000))
				if _, err := c.Write(rest[:n]); err != nil {
					t.Error(err)
					break
				}
				rest = rest[n:]
			}
			c.(*net.TCPConn).CloseWrite()
			if b := <-got; !bytes.Equal(b, data) {
				t.Errorf("client %d: got %d bytes back, want its %d bytes", i, len(b), len(data))
			}
		}()
	}
	wg.Wait()
}

// ncat as the client: input echoed, and ncat ends when the server closes.
func TestEchoWithNcat(t *testing.T) {
	ncat := progtest.Peer(t, "ncat", "ncat")
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	host, port, _ := net.SplitHostPort(p.Addr)
	const in = "hello\r\nworld\nno newline at the end"
	out, errOut, code := progtest.Run(t, in, ncat, host, port)
	if code != 0 || out != in {
		t.Errorf("ncat exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, in)
	}
}
