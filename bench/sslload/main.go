// Command sslload is bench/ssl.sh's TLS comparison: the servers it
// measures (except stunnel4, which the script runs itself) and the load
// client that measures them all alike.
//
//	sslload -mode certs -dir D               # D/ca.crt, D/server.crt, D/server.key
//	sslload -mode server-poe -addr 127.0.0.1:7000 -crt D/server.crt -key D/server.key
//	sslload -mode server-go  -addr 127.0.0.1:7001 -crt D/server.crt -key D/server.key
//	sslload -mode server-memtls -addr 127.0.0.1:7003 -crt D/server.crt -key D/server.key
//	sslload -mode server-memtls1 -addr 127.0.0.1:7004 -crt D/server.crt -key D/server.key
//	sslload -mode server-tcp -addr 127.0.0.1:7002  # plain TCP echo, behind stunnel4
//	sslload -mode client -addr 127.0.0.1:7000 -ca D/ca.crt -work handshake -secs 3 -pids 1234
//	  work=handshake rate=812.3 unit=handshakes/s n=2437 secs=3.000 conns=4 fails=0 server_cpu=2.61
//	  cpu_per=1069.2 cpu_unit=us/handshake version=TLS1.3 cipher=TLS_AES_128_GCM_SHA256 curve=X25519
//	sslload -mode client -addr 127.0.0.1:7000 -ca D/ca.crt -work bulk -secs 3 -pids 1234
//	  work=bulk rate=312.5 unit=MB/s ... cpu_per=2712.0 cpu_unit=ms/GB ...
//	sslload -mode freeport                   # prints a free port
//
// Every server is a TLS echo: what a client sends comes back. server-poe
// is component/tcpserver whose ClientFilter is filter.SSL (each
// connection a session with a wheel.ReadWrite) on a kernel that follows
// POE_KERNEL, as every kernel.New does: POE's order unless it is
// "parallel" (bench/ssl.sh runs its Parallel row so). server-go is
// crypto/tls with a goroutine per connection, server-memtls and
// server-memtls1 are the floors of a TLS filter (see memTLSServer),
// server-tcp is a plain TCP echo for stunnel4 to front. All pin X25519; the client offers only X25519 too,
// so that every server does the same key exchange.
//
// The client's "handshake" work runs -conns loops, each connecting,
// doing a full handshake (no session resumption), sending one byte and
// reading its echo (so the server has finished its side too), and
// resetting the connection (SO_LINGER 0, so no TIME_WAIT piles up). The
// "bulk" work opens -conns connections, each writing 64 KiB chunks as
// fast as it can while reading the echo; the rate is the megabytes (10^6)
// echoed per second over all connections, each byte having been
// decrypted and encrypted once by the server. A handshake connection
// that fails is counted (fails=) and the loop goes on.
//
// With -pids, the client also reports the CPU time (user plus system,
// from /proc) those processes used during the run, in all and per unit
// of work: a measure of each server's cost that holds up better than the
// rate when other programs load the machine.
//
// Servers bind only to loopback addresses and exit by themselves after
// -life seconds, so that a server the script failed to kill goes away.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed02617006/poe/bench/internal/loadkit"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/internal/gosrv"
	"github.com/seed02617006/poe/internal/testcert"
	"github.com/seed02617006/poe/kernel"
)

// curves pins the key exchange for every server and the client.
var curves = []tls.CurveID{tls.X25519}

const chunk = 64 << 10

func main() {
	mode := flag.String("mode", "", "certs, server-poe, server-go, server-memtls, server-memtls1, server-tcp, client or freeport")
	addr := flag.String("addr", "", "host:port on the loopback interface")
	dir := flag.String("dir", "", "certs: directory to write ca.crt, server.crt and server.key to")
	crt := flag.String("crt", "", "server: certificate (PEM)")
	key := flag.String("key", "", "server: private key (PEM)")
	ca := flag.String("ca", "", "client: CA certificate that signed the server's (PEM)")
	work := flag.String("work", "handshake", "client: handshake or bulk")
	conns := flag.Int("conns", 4, "client: concurrent connections")
	pids := flag.String("pids", "", "client: comma-separated process IDs whose CPU time to report as the server's")
	secs := flag.Float64("secs", 3, "client: seconds to run for")
	life := flag.Float64("life", 300, "server: exit after this many seconds")
	cpuprofile := flag.String("cpuprofile", "", "server: write a CPU profile to this file")
	flag.Parse()
	loadkit.Run("sslload", *cpuprofile, func() error {
		switch *mode {
		case "certs":
			return certs(*dir)
		case "server-poe", "server-go", "server-memtls", "server-memtls1", "server-tcp":
			return serve(*mode, *addr, *crt, *key, time.Duration(*life*float64(time.Second)))
		case "client":
			ps, err := parsePids(*pids)
			if err != nil {
				return err
			}
			return client(*addr, *ca, *work, *conns, time.Duration(*secs*float64(time.Second)), ps)
		case "freeport":
			return loadkit.PrintFreePort()
		}
		return fmt.Errorf("unknown -mode %q (want certs, server-poe, server-go, server-memtls, server-memtls1, server-tcp, client or freeport)", *mode)
	})
}

func parsePids(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		if f == "" {
			continue
		}
		p, err := strconv.Atoi(f)
		if err != nil || p <= 0 {
			return nil, fmt.Errorf("-pids %q: want process IDs separated by commas", s)
		}
		out = append(out, p)
	}
	return out, nil
}

// certs writes a test CA and a server certificate for localhost and
// 127.0.0.1 that it signed (ECDSA P-256), valid for a day.
func certs(dir string) error {
	if dir == "" {
		return errors.New("-dir is required")
	}
	p, err := testcert.New()
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{
		"ca.crt":     p.CA.CertPEM,
		"server.crt": p.Server.CertPEM,
		"server.key": p.Server.KeyPEM,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// serve runs one server until SIGINT, SIGTERM or the end of its life.
func serve(mode, addr, crt, key string, life time.Duration) error {
	ap, err := loadkit.Loopback("addr", addr)
	if err != nil {
		return err
	}
	ta := net.TCPAddrFromAddrPort(ap)
	switch mode {
	case "server-poe":
		err = poeServer(ta, crt, key)
	case "server-go":
		err = goServer(ta, crt, key)
	case "server-memtls":
		err = memTLSServer(ta, crt, key, false)
	case "server-memtls1":
		err = memTLSServer(ta, crt, key, true)
	default:
		err = tcpServer(ta)
	}
	if err != nil {
		return err
	}
	loadkit.Hold("sslload", mode, life)
	return nil
}

// poeServer is component/tcpserver with a filter.SSL prototype as
// ClientFilter, echoing each plaintext record, on a kernel of its own. Its
// mode follows POE_KERNEL (kernel.ModeEnv): POE's one handler at a time,
// or with POE_KERNEL=parallel a Parallel kernel.
func poeServer(ta *net.TCPAddr, crt, key string) error {
	ssl, err := filter.NewSSL(filter.SSLOptions{Crt: crt, Key: key, CurvePreferences: curves})
	if err != nil {
		return err
	}
	return loadkit.EchoServer("sslload", kernel.New(), ta.AddrPort(), ssl)
}

// goServer is plain crypto/tls: a goroutine per connection echoing
// through a 64 KiB buffer.
func goServer(ta *net.TCPAddr, crt, key string) error {
	pair, err := tls.LoadX509KeyPair(crt, key)
	if err != nil {
		return err
	}
	ln, err := tls.Listen("tcp", ta.String(), &tls.Config{Certificates: []tls.Certificate{pair}, CurvePreferences: curves})
	if err != nil {
		return err
	}
	gosrv.New(ln, echo)
	return nil
}

// memTLSServer is the floor for a TLS filter, in plain Go with nothing of
// ours: crypto/tls over an in-memory conn, as a filter must use it, for
// it has no socket. Per connection a reader goroutine hands each read to
// the connection's handler goroutine (a wheel's reader posting to its
// session); there crypto/tls reads the ciphertext from memory, and what
// it writes is collected and written to the socket after each record's
// echo (a filter returns its output to the wheel). It has no kernel, no
// events and no serialisation between connections. With oneGoroutine the
// handler goroutine reads the socket itself when crypto/tls wants input:
// the copies of a filter without the hand-over.
func memTLSServer(ta *net.TCPAddr, crt, key string, oneGoroutine bool) error {
	pair, err := tls.LoadX509KeyPair(crt, key)
	if err != nil {
		return err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, CurvePreferences: curves}
	ln, err := net.ListenTCP("tcp", ta)
	if err != nil {
		return err
	}
	gosrv.New(ln, func(c net.Conn) { memTLSEcho(c, cfg, oneGoroutine) })
	return nil
}

// memConn is the in-memory net.Conn under memTLSEcho's tls.Conn: Read
// takes what the reader goroutine handed over, Write collects ciphertext.
type memConn struct {
	net.Conn               // the socket
	reads    chan memRead  // nil: Read reads the socket itself
	done     chan struct{} // closed when the handler returns
	held     *[]byte       // the pooled buffer in is cut from
	buf      []byte
	in       []byte
	out      []byte
}

// memRead is one read the reader goroutine hands over, in a pooled
// buffer, as a wheel's reader does.
type memRead struct {
	b *[]byte
	n int
}

var memBufs = sync.Pool{New: func() any { b := make([]byte, chunk); return &b }}

// flush writes the collected ciphertext to the socket.
func (m *memConn) flush() error {
	if len(m.out) == 0 {
		return nil
	}
	_, err := m.Conn.Write(m.out)
	m.out = m.out[:0]
	return err
}

func (m *memConn) Read(p []byte) (int, error) {
	if len(m.in) == 0 {
		// Waiting for input: what is owed goes out first, as a wheel
		// sends a filter's output after each input.
		if err := m.flush(); err != nil {
			return 0, err
		}
		if m.reads == nil {
			n, err := m.Conn.Read(m.buf)
			if n == 0 {
				return 0, err
			}
			m.in = m.buf[:n]
		} else {
			if m.held != nil {
				memBufs.Put(m.held)
				m.held = nil
			}
			r, ok := <-m.reads
			if !ok {
				return 0, io.EOF
			}
			m.held, m.in = r.b, (*r.b)[:r.n]
		}
	}
	n := copy(p, m.in)
	m.in = m.in[n:]
	return n, nil
}

// readLoop is the reader goroutine: each read goes to Read whole.
func (m *memConn) readLoop() {
	defer close(m.reads)
	for {
		b := memBufs.Get().(*[]byte)
		n, err := m.Conn.Read(*b)
		if n > 0 {
			select {
			case m.reads <- memRead{b, n}:
			case <-m.done:
				return
			}
		} else {
			memBufs.Put(b)
		}
		if err != nil {
			return
		}
	}
}

// Write copies: crypto/tls reuses p.
func (m *memConn) Write(p []byte) (int, error) {
	m.out = append(m.out, p...)
	return len(p), nil
}

func memTLSEcho(c net.Conn, cfg *tls.Config, oneGoroutine bool) {
	m := &memConn{Conn: c}
	if oneGoroutine {
		m.buf = make([]byte, chunk)
	} else {
		m.reads, m.done = make(chan memRead, 16), make(chan struct{})
		defer close(m.done)
		go m.readLoop()
	}
	tc := tls.Server(m, cfg)
	if tc.Handshake() != nil || m.flush() != nil {
		return
	}
	buf := make([]byte, chunk)
	for {
		n, err := tc.Read(buf)
		if n > 0 {
			// The record is the user's: a filter hands it over.
			rec := append([]byte(nil), buf[:n]...)
			if _, werr := tc.Write(rec); werr != nil || m.flush() != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// tcpServer is a plain TCP echo, for stunnel4 to front.
func tcpServer(ta *net.TCPAddr) error {
	ln, err := net.ListenTCP("tcp", ta)
	if err != nil {
		return err
	}
	gosrv.New(ln, echo)
	return nil
}

// echo writes back what c reads, through a buffer of one chunk.
func echo(c net.Conn) {
	buf := make([]byte, chunk)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// result is what the client's workers add up.
type result struct {
	n     atomic.Int64 // handshakes, or bytes echoed, before the stop time
	all   atomic.Int64 // the same, including what finished after it
	fails atomic.Int64 // handshake connections that failed
	state tls.ConnectionState
	once  sync.Once
}

func (r *result) note(st tls.ConnectionState) { r.once.Do(func() { r.state = st }) }

func client(addr, caFile, work string, conns int, d time.Duration, pids []int) error {
	ap, err := loadkit.Loopback("addr", addr)
	if err != nil {
		return err
	}
	ta := net.TCPAddrFromAddrPort(ap)
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("%s: no PEM certificate", caFile)
	}
	cfg := &tls.Config{RootCAs: roots, ServerName: "localhost", CurvePreferences: curves}
	if err := loadkit.WaitListening(ap); err != nil {
		return err
	}
	var r result
	var run func(stop time.Time) error
	switch work {
	case "handshake":
		run = func(stop time.Time) error { return handshakes(ta, cfg, stop, &r) }
	case "bulk":
		run = func(stop time.Time) error { return bulk(ta, cfg, stop, &r) }
	default:
		return fmt.Errorf("unknown -work %q (want handshake or bulk)", work)
	}
	cpu0, err := cpuTime(pids)
	if err != nil {
		return err
	}
	errs := make(chan error, conns)
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			if err := run(stop); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	cpu1, err := cpuTime(pids)
	if err != nil {
		return err
	}
	close(errs)
	for err := range errs {
		return err
	}
	// The rate counts only what completed before the stop time; the
	// server's CPU time covers everything it did, so it is divided by
	// everything that completed.
	secs := d.Seconds()
	rate, unit := float64(r.n.Load())/secs, "handshakes/s"
	cpuPer, cpuUnit := 0.0, "us/handshake"
	if all := r.all.Load(); all > 0 {
		cpuPer = (cpu1 - cpu0).Seconds() * 1e6 / float64(all)
	}
	if work == "bulk" {
		rate, unit = rate/1e6, "MB/s"
		cpuPer, cpuUnit = cpuPer*1e6, "ms/GB"
	}
	st := r.state
	fmt.Printf("work=%s rate=%.1f unit=%s n=%d secs=%.3f conns=%d fails=%d server_cpu=%.2f cpu_per=%.1f cpu_unit=%s version=%s cipher=%s curve=%s\n",
		work, rate, unit, r.n.Load(), secs, conns, r.fails.Load(), (cpu1 - cpu0).Seconds(), cpuPer, cpuUnit,
		versionName(st.Version), tls.CipherSuiteName(st.CipherSuite), st.CurveID)
	return nil
}

// cpuTime returns the user plus system CPU time the processes pids have
// used so far, from /proc (Linux; clock ticks of 1/100 s, USER_HZ on
// every Linux architecture Go runs on). No pids: zero.
func cpuTime(pids []int) (time.Duration, error) {
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, fmt.Errorf("server cpu time: %w", err)
		}
		// The command name (field 2) is in parentheses and may hold
		// spaces; utime and stime are fields 14 and 15.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
		}
		for _, s := range f[11:13] {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
			}
			ticks += v
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "TLS1.2"
	case tls.VersionTLS13:
		return "TLS1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// handshakes connects, handshakes, echoes one byte and resets, until
// stop. A failed connection is counted and the loop goes on; ten in a row
// end it with the last error.
func handshakes(ta *net.TCPAddr, cfg *tls.Config, stop time.Time, r *result) error {
	one := []byte{'x'}
	buf := make([]byte, 1)
	failed := 0
	for time.Now().Before(stop) {
		err := handshakeOnce(ta, cfg, one, buf, r)
		if err == nil {
			failed = 0
			r.all.Add(1)
			if time.Now().Before(stop) {
				r.n.Add(1)
			}
			continue
		}
		r.fails.Add(1)
		if failed++; failed >= 10 {
			return fmt.Errorf("handshake: %d connections in a row failed, the last: %w", failed, err)
		}
	}
	return nil
}

func handshakeOnce(ta *net.TCPAddr, cfg *tls.Config, one, buf []byte, r *result) error {
	c, err := net.DialTCP("tcp", nil, ta)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetLinger(0)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		return err
	}
	if _, err := tc.Write(one); err != nil {
		return err
	}
	if _, err := io.ReadFull(tc, buf); err != nil {
		return err
	}
	if buf[0] != one[0] {
		return fmt.Errorf("echo %q, want %q", buf, one)
	}
	r.note(tc.ConnectionState())
	return nil
}

// bulk writes 64 KiB chunks on one connection and reads the echo back
// until stop, counting the bytes echoed, and checks them.
func bulk(ta *net.TCPAddr, cfg *tls.Config, stop time.Time, r *result) error {
	c, err := net.DialTCP("tcp", nil, ta)
	if err != nil {
		return err
	}
	c.SetLinger(0)
	defer c.Close()
	tc := tls.Client(c, cfg)
	c.SetDeadline(stop.Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("bulk handshake: %w", err)
	}
	r.note(tc.ConnectionState())
	payload := make([]byte, chunk)
	for i := range payload {
		payload[i] = byte(i % 251)
	}
	var sent atomic.Int64
	werr := make(chan error, 1)
	go func() {
		for time.Now().Before(stop) {
			if _, err := tc.Write(payload); err != nil {
				werr <- err
				return
			}
			sent.Add(chunk)
		}
		werr <- nil
	}()
	buf := make([]byte, chunk)
	var got int64
	writerDone := false
	for {
		if !time.Now().Before(stop) {
			// Drain what is still in flight, uncounted, so that the
			// server does not see a reset mid-write.
			if !writerDone {
				select {
				case err := <-werr:
					if err != nil {
						return fmt.Errorf("bulk write: %w", err)
					}
					writerDone = true
				default:
				}
			}
			if writerDone && got >= sent.Load() {
				r.all.Add(got)
				return nil
			}
			if time.Now().After(stop.Add(5 * time.Second)) {
				return errors.New("bulk: the echo did not finish within 5s of the end")
			}
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		}
		k, err := tc.Read(buf)
		if k > 0 {
			// The echo is the payload repeated; check it as it comes.
			off := int(got % chunk)
			for rest := buf[:k]; len(rest) > 0; {
				m := min(len(rest), chunk-off)
				if !bytes.Equal(rest[:m], payload[off:off+m]) {
					return fmt.Errorf("bulk: echo differs at byte %d", got)
				}
				rest, off, got = rest[m:], 0, got+int64(m)
			}
			if time.Now().Before(stop) {
				r.n.Add(int64(k))
			}
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(stop) {
				continue // crypto/tls survives a read timeout
			}
			return fmt.Errorf("bulk read: %w", err)
		}
	}
}
