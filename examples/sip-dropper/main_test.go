package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// binary is the program built by TestMain; the end-to-end tests run it.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sip-dropper-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "sip-dropper")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	out, err := exec.CommandContext(ctx, "go", "build", "-o", binary, ".").CombinedOutput()
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

// Bounds of every wait in these tests.
const (
	startTimeout = 20 * time.Second // the program prints "listening on"
	stopTimeout  = 20 * time.Second // the program exits after a signal
	replyTimeout = 5 * time.Second  // a REGISTER under the limit is answered
	quietTime    = 300 * time.Millisecond
	logTimeout   = 10 * time.Second
)

// proc is one run of the program.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr netip.AddrPort
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, after done

	mu    sync.Mutex
	lines []string
	more  chan struct{} // signalled on each new line
}

var listening = regexp.MustCompile(`listening on (\S+)`)

// start runs the program on a free loopback port with the database db and
// waits until it listens.
func start(t *testing.T, db string, args ...string) *proc {
	t.Helper()
	args = append([]string{"-addr", "127.0.0.1:0", "-db", db}, args...)
	cmd := exec.Command(binary, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, done: make(chan struct{}), more: make(chan struct{}, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("program log:\n%s", p.log())
		}
	})
	m := p.waitLog(listening, startTimeout)
	if m == nil {
		t.Fatalf("the program did not say it listens within %v", startTimeout)
	}
	p.addr, err = netip.ParseAddrPort(m[1])
	if err != nil {
		t.Fatalf("listening address %q: %v", m[1], err)
	}
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// count returns how many log lines match re.
func (p *proc) count(re *regexp.Regexp) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lines {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

// waitLog waits at most d for a log line matching re and returns its
// submatches, or nil.
func (p *proc) waitLog(re *regexp.Regexp, d time.Duration) []string {
	return p.waitCount(re, 1, d)
}

// waitCount waits at most d until n log lines match re; it returns the
// submatches of the last one, or nil.
func (p *proc) waitCount(re *regexp.Regexp, n int, d time.Duration) []string {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		p.mu.Lock()
		var last []string
		seen := 0
		for _, l := range p.lines {
			if m := re.FindStringSubmatch(l); m != nil {
				seen++
				last = m
			}
		}
		p.mu.Unlock()
		if seen >= n {
			return last
		}
		select {
		case <-p.more:
		case <-p.done:
			// The reader has seen the last line; look once more.
			p.mu.Lock()
			seen = 0
			for _, l := range p.lines {
				if m := re.FindStringSubmatch(l); m != nil {
					seen++
					last = m
				}
			}
			p.mu.Unlock()
			if seen >= n {
				return last
			}
			return nil
		case <-timer.C:
			return nil
		}
	}
}

// stop sends sig and waits for a clean exit.
func (p *proc) stop(sig syscall.Signal) {
	t := p.t
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		t.Fatalf("the program did not exit within %v of %v", stopTimeout, sig)
	}
	if p.err != nil {
		t.Errorf("exit after %v: %v, want status 0", sig, p.err)
	}
	name := map[syscall.Signal]string{syscall.SIGINT: "INT", syscall.SIGTERM: "TERM"}[sig]
	if p.waitLog(regexp.MustCompile(`caught SIG`+name+`: saving`), 0) == nil {
		t.Errorf("no \"caught SIG%s\" line in the log", name)
	}
	if p.waitLog(regexp.MustCompile(`stopped: \d+ answered, \d+ dropped`), 0) == nil {
		t.Errorf("no \"stopped\" line in the log")
	}
}

// dropLine matches the log line for a datagram dropped from port.
func dropLine(port int) *regexp.Regexp {
	return regexp.MustCompile(`dropped packet from 127\.0\.0\.1:` + fmt.Sprint(port) + `$`)
}

// client is a UDP socket on a fixed loopback port that sends REGISTERs.
type client struct {
	t    *testing.T
	conn *net.UDPConn
	port int
	seq  int
}

func newClient(t *testing.T) *client {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, conn: c, port: c.LocalAddr().(*net.UDPAddr).Port}
}

// request returns a request of method from c, with CSeq seq.
func (c *client) request(method string, seq int) string {
	return fmt.Sprintf("%s sip:127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%d-%d;rport\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:alice@127.0.0.1>;tag=go%d\r\n"+
		"To: <sip:alice@127.0.0.1>\r\n"+
		"Call-ID: go-client-%d@127.0.0.1\r\n"+
		"CSeq: %d %s\r\n"+
		"Contact: <sip:alice@127.0.0.1:%d>\r\n"+
		"Expires: 120\r\n"+
		"Content-Length: 0\r\n\r\n",
		method, c.port, c.port, seq, c.port, c.port, seq, method, c.port)
}

// send sends a request to to and returns the reply, or nil when none
// comes within wait.
func (c *client) send(to netip.AddrPort, method string, wait time.Duration) []byte {
	c.t.Helper()
	c.seq++
	if _, err := c.conn.WriteToUDPAddrPort([]byte(c.request(method, c.seq)), to); err != nil {
		c.t.Fatal(err)
	}
	return c.read(wait)
}

// read returns the next datagram, or nil when none comes within wait.
func (c *client) read(wait time.Duration) []byte {
	c.t.Helper()
	buf := make([]byte, 64<<10)
	if err := c.conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		c.t.Fatal(err)
	}
	n, _, err := c.conn.ReadFromUDPAddrPort(buf)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return buf[:n]
}

// checkReply checks that reply answers c's request number seq of method
// with code.
func (c *client) checkReply(reply []byte, method string, seq, code int) {
	t := c.t
	t.Helper()
	if reply == nil {
		t.Fatalf("%s %d from port %d: no reply, want %d", method, seq, c.port, code)
	}
	first, hdr, err := parseResponse(reply)
	if err != nil {
		t.Fatalf("%s %d: reply %q: %v", method, seq, reply, err)
	}
	if want := fmt.Sprintf("SIP/2.0 %d %s", code, reasons[code]); first != want {
		t.Errorf("%s %d: status line %q, want %q", method, seq, first, want)
	}
	want := map[string]string{
		"call-id":        fmt.Sprintf("go-client-%d@127.0.0.1", c.port),
		"cseq":           fmt.Sprintf("%d %s", seq, method),
		"from":           fmt.Sprintf("<sip:alice@127.0.0.1>;tag=go%d", c.port),
		"via":            fmt.Sprintf("SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%d-%d;rport=%d;received=127.0.0.1", c.port, c.port, seq, c.port),
		"content-length": "0",
	}
	for name, w := range want {
		if got := hdr[name]; len(got) != 1 || got[0] != w {
			t.Errorf("%s %d: %s = %q, want [%q]", method, seq, name, got, w)
		}
	}
	if to := hdr["to"]; len(to) != 1 || !regexp.MustCompile(`^<sip:alice@127\.0\.0\.1>;tag=[0-9a-z]+$`).MatchString(to[0]) {
		t.Errorf("%s %d: To = %q, want the request's To with a tag", method, seq, to)
	}
	if code == 200 {
		if got, w := hdr["contact"], fmt.Sprintf("<sip:alice@127.0.0.1:%d>;expires=120", c.port); len(got) != 1 || got[0] != w {
			t.Errorf("%s %d: Contact = %q, want [%q]", method, seq, got, w)
		}
	}
}

// parseResponse splits a response into its status line and header fields
// (lower-case names, values in order).
func parseResponse(p []byte) (string, map[string][]string, error) {
	head, _, ok := bytes.Cut(p, []byte("\r\n\r\n"))
	if !ok {
		return "", nil, errors.New("no empty line after the header")
	}
	lines := strings.Split(string(head), "\r\n")
	hdr := map[string][]string{}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ": ")
		if !ok {
			return "", nil, fmt.Errorf("header line %q", l)
		}
		name = strings.ToLower(name)
		hdr[name] = append(hdr[name], value)
	}
	return lines[0], hdr, nil
}

// flood sends n REGISTERs from c; the first pass must get 200 OK, the rest
// no reply. It returns when the program has logged the drops.
func (c *client) flood(p *proc, n, pass int) {
	c.t.Helper()
	before := p.count(dropLine(c.port))
	for i := 1; i <= n; i++ {
		if i <= pass {
			reply := c.send(p.addr, "REGISTER", replyTimeout)
			c.checkReply(reply, "REGISTER", c.seq, 200)
			continue
		}
		if reply := c.send(p.addr, "REGISTER", quietTime); reply != nil {
			c.t.Fatalf("REGISTER %d of %d from port %d: reply %q, want none (dropped)", i, n, c.port, reply)
		}
	}
	if n > pass && p.waitCount(dropLine(c.port), before+n-pass, logTimeout) == nil {
		c.t.Fatalf("the log shows %d drops from port %d, want %d", p.count(dropLine(c.port))-before, c.port, n-pass)
	}
}

// TestGoClient checks the responder and the dropper with raw REGISTERs
// from fixed loopback ports, so the core behaviour is tested without
// peers: with attempts 10, nine REGISTERs are answered, the 10th and later
// are dropped, another port of the same IP is answered, other methods get
// 501 and nothing answers an ACK.
func TestGoClient(t *testing.T) {
	p := start(t, filepath.Join(t.TempDir(), "drop.db"))
	flooder := newClient(t)
	flooder.flood(p, 13, 9)

	other := newClient(t)
	other.checkReply(other.send(p.addr, "REGISTER", replyTimeout), "REGISTER", 1, 200)

	for _, method := range []string{"INVITE", "OPTIONS", "BYE", "register"} {
		c := newClient(t)
		c.checkReply(c.send(p.addr, method, replyTimeout), method, 1, 501)
	}
	ack := newClient(t)
	if reply := ack.send(p.addr, "ACK", quietTime); reply != nil {
		t.Errorf("ACK: reply %q, want none", reply)
	}
	// The flooder is still dropped, even for a method the program would
	// refuse, when that method counts (INVITE is in -methods) ...
	if reply := flooder.send(p.addr, "INVITE", quietTime); reply != nil {
		t.Errorf("INVITE from the flooding port: reply %q, want none", reply)
	}
	// ... and still answered for one that does not count.
	reply := flooder.send(p.addr, "BYE", replyTimeout)
	flooder.checkReply(reply, "BYE", flooder.seq, 501)
	p.stop(syscall.SIGINT)
	if got := p.count(dropLine(flooder.port)); got != 5 {
		t.Errorf("drops logged for the flooder: %d, want 5", got)
	}
	if got := p.count(regexp.MustCompile(`dropped packet`)); got != 5 {
		t.Errorf("drops logged: %d, want 5 (only the flooder's)", got)
	}
	if p.waitLog(regexp.MustCompile(`stopped: 15 answered, 5 dropped`), 0) == nil {
		t.Errorf("the stop line does not say 15 answered, 5 dropped")
	}
}

// TestDropperOff checks that -drop=false answers every REGISTER.
func TestDropperOff(t *testing.T) {
	p := start(t, filepath.Join(t.TempDir(), "drop.db"), "-drop=false")
	c := newClient(t)
	c.flood(p, 15, 15)
	p.stop(syscall.SIGTERM)
}

// TestRestartKeepsDrops floods, stops the program with SIGINT (which
// saves the database), restarts it on the same database, and checks that
// the flooding port is still dropped while another is answered.
func TestRestartKeepsDrops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "drop.db")
	p := start(t, db, "-save", "1h") // only the shutdown saves
	c := newClient(t)
	c.flood(p, 11, 9)
	p.stop(syscall.SIGINT)
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`"ip":"127.0.0.1","port":%d,`, c.port); !bytes.Contains(data, []byte(want)) {
		t.Fatalf("database after SIGINT:\n%s\nwant an entry with %s", data, want)
	}

	p = start(t, db, "-save", "1h")
	if reply := c.send(p.addr, "REGISTER", quietTime); reply != nil {
		t.Errorf("REGISTER from the flooding port after restart: reply %q, want none", reply)
	}
	if p.waitLog(dropLine(c.port), logTimeout) == nil {
		t.Errorf("no drop logged for port %d after restart", c.port)
	}
	other := newClient(t)
	other.checkReply(other.send(p.addr, "REGISTER", replyTimeout), "REGISTER", 1, 200)
	p.stop(syscall.SIGTERM)
}

// TestPeriodicSave checks that the timer saves the database without a
// shutdown: the program is killed (no chance to save) after the save
// interval, and the restarted one still drops the flooder.
func TestPeriodicSave(t *testing.T) {
	db := filepath.Join(t.TempDir(), "drop.db")
	p := start(t, db, "-save", "100ms")
	c := newClient(t)
	c.flood(p, 10, 9)
	want := []byte(fmt.Sprintf(`"port":%d,`, c.port))
	deadline := time.Now().Add(logTimeout)
	for {
		data, err := os.ReadFile(db)
		if err == nil && bytes.Contains(data, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database has no entry for port %d %v after the flood:\n%s", c.port, logTimeout, data)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done

	p = start(t, db)
	if reply := c.send(p.addr, "REGISTER", quietTime); reply != nil {
		t.Errorf("REGISTER after kill and restart: reply %q, want none", reply)
	}
	p.stop(syscall.SIGINT)
}

// TestBadDatabase checks that a corrupt database stops the program at
// start with an error, instead of being replaced by an empty one.
func TestBadDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "drop.db")
	if err := os.WriteFile(db, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "-addr", "127.0.0.1:0", "-db", db).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("run with a corrupt database: %v, want exit status 1\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("corrupt database")) {
		t.Errorf("output %q does not name the corrupt database", out)
	}
	if data, _ := os.ReadFile(db); string(data) != "not a database" {
		t.Errorf("the corrupt database was changed to %q", data)
	}
}

// freeUDPPort returns a loopback UDP port that was free a moment ago,
// for peers that must be told which local port to use.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// peer returns the path of a peer program, or skips the test (fails it
// when POE_REQUIRE_PEERS=1) when it is missing.
func peer(t *testing.T, name, pkg string, check ...string) string {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("POE_REQUIRE_PEERS") == "1" {
			t.Fatalf("peer required (POE_REQUIRE_PEERS=1) but %s; install Debian's %s", why, pkg)
		}
		t.Skipf("skipping: %s (install Debian's %s)", why, pkg)
	}
	path, err := exec.LookPath(name)
	if err != nil {
		missing(name + " is not installed")
	}
	if len(check) > 0 {
		if out, err := exec.Command(path, check...).CombinedOutput(); err != nil {
			missing(fmt.Sprintf("%s %s: %v %s", name, strings.Join(check, " "), err, out))
		}
	}
	return path
}

// sipsakRegister is the REGISTER sipsak sends (-f); sipsak adds its Via.
const sipsakRegister = "REGISTER sip:127.0.0.1 SIP/2.0\n" +
	"From: <sip:alice@127.0.0.1>;tag=sipsak\n" +
	"To: <sip:alice@127.0.0.1>\n" +
	"Call-ID: sipsak-flood@127.0.0.1\n" +
	"CSeq: 1 REGISTER\n" +
	"Contact: <sip:alice@127.0.0.1>\n" +
	"Expires: 60\n" +
	"Max-Forwards: 70\n" +
	"Content-Length: 0\n\n"

// sipsak runs sipsak once and returns its exit status and output.
// -S sends and receives on the -l port, so that the dropper sees one
// peer; -H keeps sipsak from looking up the host name; -Z is SIP's T1 in
// milliseconds: sipsak waits 64*T1 for an answer.
func sipsak(t *testing.T, path string, server netip.AddrPort, lport, t1 int, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args = append([]string{"-vv", "-S", "-l", fmt.Sprint(lport), "-H", "127.0.0.1", "-Z", fmt.Sprint(t1),
		"-s", fmt.Sprintf("sip:alice@%s", server)}, args...)
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee) && ctx.Err() == nil:
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("sipsak: %v\n%s", err, out)
	return 0, ""
}

// TestSipsak floods the program with sipsak's REGISTERs from one local
// port: sipsak gets 200 OK (exit status 0) nine times, then nothing (exit
// status 3, no reply) while another local port still gets 200 OK and an
// OPTIONS gets 501 (exit status 1). Debian: sipsak.
func TestSipsak(t *testing.T) {
	path := peer(t, "sipsak", "sipsak", "-V")
	p := start(t, filepath.Join(t.TempDir(), "drop.db"))
	file := filepath.Join(t.TempDir(), "register.sip")
	if err := os.WriteFile(file, []byte(sipsakRegister), 0o644); err != nil {
		t.Fatal(err)
	}
	lport := freeUDPPort(t)
	for i := 1; i <= 11; i++ {
		// A long T1 while answers are due, so a slow answer does not
		// cost a retransmission (which would count); a short one once
		// sipsak must give up.
		t1, want := 200, 0
		if i >= 10 {
			t1, want = 10, 3
		}
		code, out := sipsak(t, path, p.addr, lport, t1, "-f", file)
		if code != want {
			t.Fatalf("sipsak REGISTER %d from port %d: exit status %d, want %d\n%s", i, lport, code, want, out)
		}
		if want == 0 && !strings.Contains(out, "SIP/2.0 200 OK") {
			t.Errorf("sipsak REGISTER %d: no 200 OK in the output:\n%s", i, out)
		}
	}
	if p.waitLog(dropLine(lport), logTimeout) == nil {
		t.Fatalf("no drop logged for sipsak's port %d", lport)
	}
	other := freeUDPPort(t)
	if code, out := sipsak(t, path, p.addr, other, 200, "-f", file); code != 0 {
		t.Errorf("sipsak REGISTER from another port %d: exit status %d, want 0\n%s", other, code, out)
	}
	// Without -f sipsak sends OPTIONS.
	other = freeUDPPort(t)
	if code, out := sipsak(t, path, p.addr, other, 200); code != 1 || !strings.Contains(out, "501 Not Implemented") {
		t.Errorf("sipsak OPTIONS: exit status %d, want 1 with 501 Not Implemented\n%s", code, out)
	}
	p.stop(syscall.SIGINT)
}

// perlSummary matches register.pl's last line.
var perlSummary = regexp.MustCompile(`(?m)^answered=(\d+) failed=(\d+) unanswered=(\d+)$`)

// registerPL runs testdata/register.pl: count REGISTERs from lport, each
// waited for at most wait.
func registerPL(t *testing.T, perl string, server netip.AddrPort, lport, count int, wait time.Duration) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, perl, "testdata/register.pl", fmt.Sprint(server.Port()), fmt.Sprint(lport),
		fmt.Sprint(count), fmt.Sprint(wait.Seconds()))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("register.pl: %v\n%s%s", err, out, stderr.Bytes())
	}
	m := perlSummary.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("register.pl printed no summary:\n%s%s", out, stderr.Bytes())
	}
	return string(out), fmt.Sprintf("answered=%s failed=%s unanswered=%s", m[1], m[2], m[3])
}

// TestNetSIP floods the program with Net::SIP::Simple's REGISTERs from
// one local port: nine are answered 200 OK (Net::SIP reads the expiry the
// program grants), the rest get nothing, and another port is answered.
// Debian: perl, libnet-sip-perl.
func TestNetSIP(t *testing.T) {
	perl := peer(t, "perl", "libnet-sip-perl", "-MNet::SIP", "-e1")
	p := start(t, filepath.Join(t.TempDir(), "drop.db"))
	lport := freeUDPPort(t)
	out, got := registerPL(t, perl, p.addr, lport, 11, 1500*time.Millisecond)
	if want := "answered=9 failed=0 unanswered=2"; got != want {
		t.Fatalf("register.pl from port %d: %s, want %s\n%s", lport, got, want, out)
	}
	for i := 1; i <= 9; i++ {
		if want := fmt.Sprintf("answered %d expires=60\n", i); !strings.Contains(out, want) {
			t.Errorf("register.pl output lacks %q:\n%s", want, out)
		}
	}
	if p.waitCount(dropLine(lport), 2, logTimeout) == nil {
		t.Fatalf("fewer than 2 drops logged for Net::SIP's port %d", lport)
	}
	other := freeUDPPort(t)
	if out, got := registerPL(t, perl, p.addr, other, 1, 5*time.Second); got != "answered=1 failed=0 unanswered=0" {
		t.Errorf("register.pl from another port %d: %s, want answered=1\n%s", other, got, out)
	}
	p.stop(syscall.SIGINT)
}

// TestParseFlags checks the flags' defaults and errors.
func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    config
		wantErr bool
	}{
		{name: "defaults", want: config{
			addr: netip.MustParseAddrPort("127.0.0.1:5060"), db: "sip-dropper.drop",
			methods:  []string{"REGISTER", "INVITE", "SUBSCRIBE", "OPTIONS", ""},
			attempts: 10, interval: time.Minute, save: 5 * time.Second, drop: true,
		}},
		{name: "all set", args: []string{"-addr", "[::1]:5070", "-db", "", "-methods", "", "-attempts", "3", "-interval", "2s", "-save", "1s", "-drop=false"},
			want: config{addr: netip.MustParseAddrPort("[::1]:5070"), attempts: 3, interval: 2 * time.Second, save: time.Second}},
		{name: "host name refused", args: []string{"-addr", "localhost:5060"}, wantErr: true},
		{name: "no port", args: []string{"-addr", "127.0.0.1"}, wantErr: true},
		{name: "zero save", args: []string{"-save", "0s"}, wantErr: true},
		{name: "extra argument", args: []string{"x"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags(%q) error = %v, want error %v", tt.args, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("parseFlags(%q) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}
