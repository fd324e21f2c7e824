package identclient_test

import (
	"bufio"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// patience bounds every wait, so a broken component fails a test instead
// of hanging it.
const patience = 20 * time.Second

// fakeIdentd is a scripted identd on 127.0.0.1: for each connection it
// reads one line, records it, and answers with reply(line). An empty
// answer with hang set keeps the connection open until Close.
type fakeIdentd struct {
	ln    net.Listener
	reply func(req string) string
	hang  bool

	mu    sync.Mutex
	reqs  []string
	froms []netip.AddrPort
	conns []net.Conn
	wg    sync.WaitGroup
	done  chan struct{}
}

func newFakeIdentd(t *testing.T, reply func(req string) string, hang bool) *fakeIdentd {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIdentd{ln: ln, reply: reply, hang: hang, done: make(chan struct{})}
	f.wg.Add(1)
	go f.loop()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeIdentd) Port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeIdentd) loop() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		f.mu.Unlock()
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			_ = c.SetDeadline(time.Now().Add(patience))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				_ = c.Close()
				return
			}
			f.mu.Lock()
			f.reqs = append(f.reqs, line)
			f.froms = append(f.froms, c.RemoteAddr().(*net.TCPAddr).AddrPort())
			f.mu.Unlock()
			if out := f.reply(strings.TrimRight(line, "\r\n")); out != "" {
				_, _ = c.Write([]byte(out))
			}
			if f.hang {
				<-f.done
			}
			_ = c.Close()
		}()
	}
}

func (f *fakeIdentd) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

func (f *fakeIdentd) Close() {
	select {
	case <-f.done:
		return
	default:
	}
	close(f.done)
	_ = f.ln.Close()
	f.mu.Lock()
	for _, c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// echo answers a request about "p1 , p2" with the ports and then tail.
func echo(tail string) func(string) string {
	return func(req string) string {
		a, b, _ := strings.Cut(req, ",")
		return strings.TrimSpace(a) + " , " + strings.TrimSpace(b) + tail
	}
}
