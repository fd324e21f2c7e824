package identserver

import (
	"bufio"
	"fmt"
	"github.com/seed02617006/poe/internal/gosrv"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/seed02617006/poe/internal/ident"
	"github.com/seed02617006/poe/internal/identtest"
)

// benchClients is how many clients query at once.
const benchClients = 8

// queryLoad makes n queries against addr from benchClients goroutines,
// one connection per query (closed with SO_LINGER 0, so that the clients
// do not run out of ports in TIME_WAIT), and returns the queries per
// second.
func queryLoad(b *testing.B, addr string, n int) float64 {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, benchClients)
	start := time.Now()
	for w := 0; w < benchClients; w++ {
		count := n / benchClients
		if w < n%benchClients {
			count++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256)
			for i := 0; i < count; i++ {
				c, err := net.Dial("tcp4", addr)
				if err != nil {
					errs <- err
					return
				}
				_ = c.(*net.TCPConn).SetLinger(0)
				_ = c.SetDeadline(time.Now().Add(patience))
				_, err = io.WriteString(c, "1 , 2\r\n")
				if err == nil {
					// One reply line; no need to wait for the close.
					var m int
					for got := 0; err == nil; got += m {
						m, err = c.Read(buf[got:])
						if got+m > 0 && buf[got+m-1] == '\n' {
							break
						}
					}
				}
				c.Close()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	return float64(n) / el.Seconds()
}

// plainIdentd is the baseline: a goroutine-per-connection identd in plain
// Go with the same grammar and the same answer.
func plainIdentd(b *testing.B) string {
	return gosrv.Serve(b, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(patience))
		line, err := bufio.NewReaderSize(c, 1024).ReadSlice('\n')
		if err != nil {
			return
		}
		p1, p2, err := ident.ParseRequest(string(line[:len(line)-1]))
		out := ident.FormatUserID(p1, p2, "UNIX", "bench")
		if err != nil {
			out = ident.FormatError(p1, p2, ident.InvalidPort)
		}
		_, _ = io.WriteString(c, out+"\r\n")
	}).Addr().String()
}

// BenchmarkQueries measures queries per second, one connection per
// query, 8 clients: the component, a plain Go identd, and oidentd when it
// can run (Debian oidentd, as root), in the same run.
func BenchmarkQueries(b *testing.B) {
	rates := map[string]float64{}
	b.Run("identserver", func(b *testing.B) {
		b.ReportAllocs()
		r := startRig(b, Options{}, reply("UNIX", "bench"))
		b.ResetTimer()
		rates["identserver"] = queryLoad(b, r.addr, b.N)
		b.ReportMetric(rates["identserver"], "queries/s")
	})
	b.Run("plain-go", func(b *testing.B) {
		b.ReportAllocs()
		addr := plainIdentd(b)
		b.ResetTimer()
		rates["plain-go"] = queryLoad(b, addr, b.N)
		b.ReportMetric(rates["plain-go"], "queries/s")
	})
	b.Run("oidentd", func(b *testing.B) {
		port := identtest.StartOidentd(b)
		b.ResetTimer()
		rates["oidentd"] = queryLoad(b, "127.0.0.1:"+strconv.Itoa(port), b.N)
		b.ReportMetric(rates["oidentd"], "queries/s")
	})
	if s := rates["identserver"]; s > 0 {
		msg := fmt.Sprintf("identserver %.0f queries/s", s)
		for _, other := range []string{"plain-go", "oidentd"} {
			if o := rates[other]; o > 0 {
				msg += fmt.Sprintf("; %s %.0f (identserver/%s = %.2f)", other, o, other, s/o)
			}
		}
		b.Log(msg)
	}
}
