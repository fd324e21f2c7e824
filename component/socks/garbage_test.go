package socks

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"
)

// refuser is a Dialer that connects nowhere: random requests must not
// reach any host.
type refuser struct{}

func (refuser) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("refused by the test")}
}

// randomRequest makes bytes that look more or less like a request, so
// that every branch of the parser is reached.
func randomRequest(r *rand.Rand) []byte {
	b := make([]byte, 0, 600)
	b = append(b, []byte{4, 4, 4, 5, 0, byte(r.IntN(256))}[r.IntN(6)])
	b = append(b, []byte{1, 2, 1, 2, 3, byte(r.IntN(256))}[r.IntN(6)])
	b = append(b, byte(r.IntN(256)), byte(r.IntN(256)))
	switch r.IntN(3) {
	case 0:
		b = append(b, 0, 0, 0, byte(r.IntN(3)))
	default:
		b = append(b, byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)))
	}
	for range r.IntN(3) {
		n := []int{0, 5, 255, 256, 300}[r.IntN(5)]
		for range n {
			b = append(b, 'a'+byte(r.IntN(26)))
		}
		if r.IntN(4) > 0 {
			b = append(b, 0)
		}
	}
	return b[:r.IntN(len(b))+1]
}

// TestRandomInput sends many clients' worth of random, truncated and
// malformed requests, each followed by a half-close: every client gets a
// 91 reply or nothing, then the end of the connection, and exactly one
// socksd_connection and socksd_disconnected; a tunnel made before keeps
// working.
func TestRandomInput(t *testing.T) {
	tg := newTarget(t, nil)
	h := newHarness(t, Options{Dialer: dialerSwitch{tg.port, refuser{}}, Resolver: fakeResolver{}, EstablishTimeOut: 500 * time.Millisecond})
	good, goodID := h.connect(tg.port)
	r := rand.New(rand.NewPCG(2, 2))
	const clients = 60
	inputs := make([][]byte, clients)
	for i := range inputs {
		inputs[i] = randomRequest(r)
	}
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", h.proxyAddr())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			_ = c.SetDeadline(deadline())
			_, _ = c.Write(in)
			_ = c.(*net.TCPConn).CloseWrite()
			out, err := io.ReadAll(c)
			if err != nil {
				t.Errorf("client %d (%x): %v", i, in, err)
				return
			}
			// What the parser makes of the input says what the answer
			// is: for a BIND to an address, the first reply and, since
			// nobody connects, a 91 at the establishment limit; 91 for
			// the rest (incomplete when the client stopped, names that
			// do not resolve, connects that fail).
			req, _, perr := ParseRequest(in)
			want := []int{Rejected}
			if perr == nil && req.Command == CmdBind && req.Host == "" {
				want = []int{Granted, Rejected}
			}
			ok := len(out) == ReplyLen*len(want)
			for k := 0; ok && k < len(want); k++ {
				ok = int(out[k*ReplyLen+1]) == want[k]
			}
			if !ok {
				t.Errorf("client %d sent %x, read %x; want replies %v", i, in, out, want)
			}
		}()
	}
	wg.Wait()
	for range clients {
		args := h.wait("socksd_connection", func(a []any) bool { return a[0] != goodID })
		h.waitID("socksd_disconnected", args[0].(string))
	}
	if n := h.count("socksd_rejected"); n > clients {
		t.Errorf("%d socksd_rejected for %d clients", n, clients)
	}
	if _, err := good.Write([]byte("ok?")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 3)
	if _, err := io.ReadFull(good, b); err != nil || string(b) != "ok?" {
		t.Fatalf("first tunnel after the garbage: %q, %v", b, err)
	}
	if n := h.count("socksd_sock_up"); n != 1 {
		t.Errorf("%d socksd_sock_up, want only the first tunnel's", n)
	}
}
