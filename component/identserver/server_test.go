package identserver

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed02617006/poe/kernel"
)

// The original's tests, t/01_userid.t to t/05_random.t.
func TestOriginalSuite(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		onRequest kernel.Handler
		send      string
		want      *regexp.Regexp
		ports     string // of the identd_request event, "" for none
	}{
		{"01 userid", Options{}, reply("UNIX", "bingos"), "12345, 123\r\n", regexp.MustCompile(`^12345 , 123 : USERID : UNIX : bingos\r\n$`), "12345 123"},
		{"02 hidden", Options{}, nil, "12345, 123\r\n", regexp.MustCompile(`^12345 , 123 : ERROR : HIDDEN-USER\r\n$`), "12345 123"},
		{"03 invalid", Options{Multiple: true}, nil, "Garbage\r\n", regexp.MustCompile(`^0 , 0 : ERROR : INVALID-PORT\r\n$`), ""},
		{"04 default", Options{Default: "bingos"}, nil, "12345, 123\r\n", regexp.MustCompile(`^12345 , 123 : USERID : UNIX : bingos\r\n$`), "12345 123"},
		{"05 random", Options{Random: true}, nil, "12345, 123\r\n", regexp.MustCompile(`^12345 , 123 : USERID : UNIX : [a-z]{8}\r\n$`), "12345 123"},
		{"default beats random", Options{Default: "fixed", Random: true}, nil, "1,2\r\n", regexp.MustCompile(`^1 , 2 : USERID : UNIX : fixed\r\n$`), "1 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRig(t, tt.opts, tt.onRequest)
			var got string
			if tt.opts.Multiple {
				// The connection stays open: read one line.
				c := r.dial()
				if _, err := io.WriteString(c, tt.send); err != nil {
					t.Fatal(err)
				}
				got = readLine(t, bufio.NewReader(c)) + "\r\n"
			} else {
				got = r.exchange(tt.send)
			}
			if !tt.want.MatchString(got) {
				t.Errorf("reply = %q, want %v", got, tt.want)
			}
			reqs := r.Requests()
			switch {
			case tt.ports == "" && len(reqs) != 0:
				t.Errorf("identd_request = %q, want none", reqs)
			case tt.ports != "" && (len(reqs) != 1 || !strings.HasSuffix(reqs[0], " "+tt.ports)):
				t.Errorf("identd_request = %q, want one for %s", reqs, tt.ports)
			}
		})
	}
}

func TestRequestEventArgs(t *testing.T) {
	r := startRig(t, Options{}, reply("UNIX", "u"))
	c := r.dial()
	if _, err := io.WriteString(c, "00080 ,\t0443 \r\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	if got, want := string(b), "80 , 443 : USERID : UNIX : u\r\n"; got != want {
		t.Errorf("reply = %q, want %q", got, want)
	}
	peer := c.LocalAddr().(*net.TCPAddr).IP.String()
	if reqs := r.Requests(); len(reqs) != 1 || reqs[0] != peer+" 80 443" {
		t.Errorf("identd_request = %q, want [%q]", reqs, peer+" 80 443")
	}
}

func TestReplyForms(t *testing.T) {
	tests := []struct {
		name      string
		onRequest kernel.Handler
		want      string
	}{
		{"other", reply("OTHER", "ABCDE12345"), "1 , 2 : USERID : OTHER : ABCDE12345"},
		{"charset", reply("UNIX , UTF-8", "jürgen"), "1 , 2 : USERID : UNIX,UTF-8 : jürgen"},
		{"empty opsys is UNIX", reply("", "bob"), "1 , 2 : USERID : UNIX : bob"},
		{"nil opsys is UNIX", reply(nil, "bob"), "1 , 2 : USERID : UNIX : bob"},
		{"CR LF NUL removed", reply("UNIX", "ev\r\nil\x00\r\n1 , 2 : USERID : UNIX : root"), "1 , 2 : USERID : UNIX : evil1 , 2 : USERID : UNIX : root"},
		{"userid cut at 512", reply("UNIX", strings.Repeat("u", 600)), "1 , 2 : USERID : UNIX : " + strings.Repeat("u", 512)},
		{"empty userid", reply("UNIX", ""), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{"only CR LF", reply("UNIX", "\r\n"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{"opsys with colon", reply("UN:IX", "bob"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{"opsys with blank", reply("UN IX", "bob"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{"opsys too long", reply(strings.Repeat("O", 65), "bob"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{"no-user", errReply("no-user"), "1 , 2 : ERROR : NO-USER"},
		{"hidden-user", errReply("HIDDEN-USER"), "1 , 2 : ERROR : HIDDEN-USER"},
		{"invalid-port", errReply("INVALID-PORT"), "1 , 2 : ERROR : INVALID-PORT"},
		{"unknown-error", errReply("UNKNOWN-ERROR"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{"x-token", errReply("x-go-away"), "1 , 2 : ERROR : X-GO-AWAY"},
		{"bare X", errReply("X"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{"unknown token", errReply("NOPE"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{"token with CR LF", errReply("X-A\r\nB"), "1 , 2 : ERROR : UNKNOWN-ERROR"},
		{"not a string", errReply(42), "1 , 2 : ERROR : UNKNOWN-ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRig(t, Options{}, tt.onRequest)
			if got := r.exchange("1 , 2\r\n"); got != tt.want+"\r\n" {
				t.Errorf("reply = %q, want %q", got, tt.want+"\r\n")
			}
		})
	}
}

func errReply(token any) kernel.Handler {
	return func(e *kernel.Event) any {
		_, _ = e.Kernel.Call(e.Sender, "ident_server_error", token)
		return nil
	}
}

// Bad input: each gets the RFC answer or a timely close.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name, send, want string
	}{
		{"garbage", "hello\r\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
		{"empty line", "\r\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
		{"LF only", "\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
		{"port 0", "0 , 23\r\n", "0 , 23 : ERROR : INVALID-PORT\r\n"},
		{"port 65536", "23 , 65536\r\n", "23 , 65536 : ERROR : INVALID-PORT\r\n"},
		{"huge port", "23 , 99999999999999999999\r\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
		{"negative", "-1 , 23\r\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
		{"real", "1.5 , 23\r\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
		{"three ports", "1 , 2 , 3\r\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
		{"missing port", "1 ,\r\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
		{"NUL", "1\x00 , 2\r\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
		{"1000 characters", strings.Repeat(" ", 995) + "1 , 2\r\n", "1 , 2 : ERROR : HIDDEN-USER\r\n"},
		{"1000 characters and LF", strings.Repeat(" ", 995) + "1 , 2\n", "1 , 2 : ERROR : HIDDEN-USER\r\n"},
		{"1001 characters", strings.Repeat(" ", 996) + "1 , 2\r\n", ""},
		{"100 KB without a newline", strings.Repeat("9", 100<<10), ""},
		{"100 KB line", strings.Repeat("9", 100<<10) + "\r\n", ""},
		{"binary", "\xff\xfe\x00\x01\r\n", "0 , 0 : ERROR : INVALID-PORT\r\n"},
	}
	r := startRig(t, Options{}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			if got := r.exchange(tt.send); got != tt.want {
				t.Errorf("reply to %.40q = %q, want %q", tt.send, got, tt.want)
			}
			// A close without an answer must not wait for the idle timeout.
			if tt.want == "" && time.Since(start) >= testIdle {
				t.Errorf("closed after %v, want before the idle timeout %v", time.Since(start), testIdle)
			}
		})
	}
}

// The SYNOPSIS answers inside identd_request; the original then sent a
// second, default answer 10 seconds later (with Multiple).
func TestNoSecondAnswer(t *testing.T) {
	r := startRig(t, Options{Multiple: true}, reply("UNIX", "once"))
	c := r.dial()
	br := bufio.NewReader(c)
	if _, err := io.WriteString(c, "7 , 8\r\n"); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, br); got != "7 , 8 : USERID : UNIX : once" {
		t.Fatalf("reply = %q", got)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * testReplyDelay))
	if l, err := br.ReadString('\n'); err == nil || l != "" {
		t.Fatalf("after the answer the server sent %q (%v), want nothing", l, err)
	}
}

// With Multiple, queries wait in order and each answer carries its own
// ports, whether answered late, with an error or by the default.
func TestMultipleQueue(t *testing.T) {
	r := startRig(t, Options{Multiple: true}, nil)
	c := r.dial()
	br := bufio.NewReader(c)
	// All three in one write.
	if _, err := io.WriteString(c, "1,2\r\n3 , 4\n5,6\r\n"); err != nil {
		t.Fatal(err)
	}
	senders := r.waitRequests(3)
	if senders[0] != senders[1] || senders[1] != senders[2] {
		t.Fatalf("senders = %v, want one connection session", senders)
	}
	conn := senders[0]
	_ = r.k.Outside().Post(conn, "ident_server_reply", "UNIX", "first")
	_ = r.k.Outside().Post(conn, "ident_server_error", "NO-USER")
	want := []string{"1 , 2 : USERID : UNIX : first", "3 , 4 : ERROR : NO-USER", "5 , 6 : ERROR : HIDDEN-USER"}
	for _, w := range want {
		if got := readLine(t, br); got != w {
			t.Errorf("reply = %q, want %q", got, w)
		}
	}
	// An answer with no query waiting is dropped; the next query gets
	// its own answer.
	_ = r.k.Outside().Post(conn, "ident_server_reply", "UNIX", "nobody asked")
	time.Sleep(50 * time.Millisecond)
	if _, err := io.WriteString(c, "9,10\r\n"); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, br); got != "9 , 10 : ERROR : HIDDEN-USER" {
		t.Errorf("reply = %q, want the default for 9 , 10", got)
	}
}

// Without Multiple, only the first query counts and the connection
// closes after its answer.
func TestSingleQuery(t *testing.T) {
	r := startRig(t, Options{}, reply("UNIX", "one"))
	if got, want := r.exchange("1,2\r\n3,4\r\n"), "1 , 2 : USERID : UNIX : one\r\n"; got != want {
		t.Errorf("reply = %q, want %q", got, want)
	}
}

// A client that half-closes after its query still gets its answer.
func TestHalfClose(t *testing.T) {
	r := startRig(t, Options{}, nil)
	c := r.dial()
	if _, err := io.WriteString(c, "11 , 12\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if got, want := string(b), "11 , 12 : ERROR : HIDDEN-USER\r\n"; err != nil || got != want {
		t.Errorf("reply = %q, %v; want %q", got, err, want)
	}
}

func TestUnregister(t *testing.T) {
	r := startRig(t, Options{}, reply("UNIX", "registered"))
	if got := r.exchange("1,2\r\n"); got != "1 , 2 : USERID : UNIX : registered\r\n" {
		t.Fatalf("reply while registered = %q", got)
	}
	// The rig's session asks the server to unregister it.
	_ = r.k.Outside().Post(r.sessionID, "unregister_me")
	deadline := time.Now().Add(patience)
	for {
		r.mu.Lock()
		stopped := r.stopped
		r.mu.Unlock()
		if stopped {
			break // nothing keeps it alive any more: it ended
		}
		if time.Now().After(deadline) {
			t.Fatal("the session did not end after unregister")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := r.exchange("3,4\r\n"); got != "3 , 4 : ERROR : HIDDEN-USER\r\n" {
		t.Errorf("reply after unregister = %q, want HIDDEN-USER", got)
	}
	if n := len(r.Requests()); n != 1 {
		t.Errorf("identd_request events = %d, want 1", n)
	}
}

// A client that never sends is closed after the idle timeout.
func TestIdleTimeout(t *testing.T) {
	r := startRig(t, Options{}, nil)
	c := r.dial()
	start := time.Now()
	b, err := io.ReadAll(c)
	if err != nil || len(b) != 0 {
		t.Fatalf("silent client got %q, %v; want a close", b, err)
	}
	if el := time.Since(start); el < testIdle/2 || el > testIdle+5*time.Second {
		t.Errorf("closed after %v, want about %v", el, testIdle)
	}
}

// Many idle connections each end at the idle timeout; none is left.
func TestManyIdleConnections(t *testing.T) {
	r := startRig(t, Options{}, nil)
	const n = 200
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = r.dial()
	}
	deadline := time.Now().Add(patience)
	for r.srv.conns.Load() != n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Both ends are in this process; each idle connection must cost a
	// few KiB, not a buffer that grows.
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("%d idle connections: %d bytes of heap each (both ends)", n, per)
	if per > 64<<10 {
		t.Errorf("an idle connection costs %d bytes of heap, want under 64 KiB", per)
	}
	for _, c := range conns {
		_ = c.SetReadDeadline(deadline)
		if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
			t.Fatalf("idle connection got %q, %v; want a close", b, err)
		}
	}
	for r.srv.conns.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := r.srv.conns.Load(); n != 0 {
		t.Errorf("%d connection sessions left, want 0", n)
	}
}

// A client that sends queries and never reads the answers is stopped by
// back-pressure: the server stops reading it, its writes block.
func TestBackPressure(t *testing.T) {
	r := startRig(t, Options{Multiple: true, idleTimeOut: 30 * time.Second}, reply("OTHER", strings.Repeat("x", 500)))
	c := r.dial()
	q := []byte(strings.Repeat("1,2\r\n", 1000))
	_ = c.SetWriteDeadline(time.Now().Add(3 * time.Second))
	written := 0
	var err error
	for written < 256<<20 {
		var n int
		n, err = c.Write(q)
		written += n
		if err != nil {
			break
		}
	}
	if !isTimeout(err) {
		t.Fatalf("after %d bytes: %v; want the write to block (timeout)", written, err)
	}
	t.Logf("the server stopped reading after %d bytes of queries", written)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestShutdownClosesClients(t *testing.T) {
	r := startRig(t, Options{Multiple: true}, nil)
	c := r.dial()
	if _, err := io.WriteString(c, "1,2\r\n"); err != nil {
		t.Fatal(err)
	}
	for len(r.Requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	r.stop()
	b, err := io.ReadAll(c)
	if err != nil || len(b) != 0 {
		t.Errorf("after shutdown the client got %q, %v; want a close", b, err)
	}
	if _, err := net.DialTimeout("tcp", r.addr, time.Second); err == nil {
		t.Errorf("dial after shutdown succeeded, want the listener closed")
	}
}

func TestBindAddr(t *testing.T) {
	// Linux routes all of 127/8 to lo: an address other than 127.0.0.1
	// shows that BindAddr is honoured.
	r := startRig(t, Options{BindAddr: "127.0.0.2"}, reply("UNIX", "two"))
	if host, _ := r.srv.Getsockname(); host != "127.0.0.2" {
		t.Fatalf("Getsockname = %s, want 127.0.0.2", host)
	}
	if got := r.exchange("1,2\r\n"); got != "1 , 2 : USERID : UNIX : two\r\n" {
		t.Errorf("reply = %q", got)
	}
	_, port := r.srv.Getsockname()
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
		c.Close()
		t.Errorf("the server answers on 127.0.0.1 too, want only 127.0.0.2")
	}
}

// dropFunc makes a function a Dropper.
type dropFunc func(netip.AddrPort) bool

func (f dropFunc) RunConn(from netip.AddrPort) bool { return f(from) }

func TestDropper(t *testing.T) {
	var froms []netip.AddrPort // touched by the kernel's goroutine only
	r := startRig(t, Options{
		Dropper: dropFunc(func(from netip.AddrPort) bool {
			froms = append(froms, from)
			return len(froms) == 1 // the first connection only
		}),
		DropEvent: "dropped",
	}, reply("UNIX", "kept"))
	c := r.dial()
	peer := c.LocalAddr().(*net.TCPAddr).AddrPort()
	if b, _ := io.ReadAll(c); len(b) != 0 {
		t.Errorf("dropped connection got %q, want a close", b)
	}
	if got := r.exchange("1,2\r\n"); got != "1 , 2 : USERID : UNIX : kept\r\n" {
		t.Errorf("next connection got %q", got)
	}
	r.mu.Lock()
	dropped := append([]string(nil), r.dropped...)
	r.mu.Unlock()
	if want := peer.Addr().String() + " " + strconv.Itoa(int(peer.Port())); len(dropped) != 1 || dropped[0] != want {
		t.Errorf("DropEvent = %q, want [%q]", dropped, want)
	}
}

func TestOptions(t *testing.T) {
	bad := []Options{
		{TimeOut: 30 * time.Second},
		{TimeOut: 181 * time.Second},
		{BindPort: 65536},
		{BindPort: -2},
	}
	for _, o := range bad {
		if _, err := Spawn(o); !errors.Is(err, ErrOption) {
			t.Errorf("Spawn(%+v) = %v, want ErrOption", o, err)
		}
	}
	ok := Options{TimeOut: 180 * time.Second}
	if o, err := ok.withDefaults(); err != nil || o.BindPort != 113 || o.BindAddr != "127.0.0.1" || o.idleTimeOut != 180*time.Second || o.replyDelay != ReplyDelay {
		t.Errorf("withDefaults = %+v, %v; want port 113 on 127.0.0.1, idle 180s, reply delay 10s", o, err)
	}
	if o, _ := (Options{}).withDefaults(); o.TimeOut != 60*time.Second {
		t.Errorf("default TimeOut = %v, want 60s", o.TimeOut)
	}

	r := startRig(t, Options{}, nil)
	_, port := r.srv.Getsockname()
	k := kernel.New()
	if _, err := Spawn(Options{Kernel: k, BindPort: port}); err == nil {
		t.Errorf("Spawn on a port in use succeeded")
	}
	first, err := Spawn(Options{Kernel: k, Alias: "dup", BindPort: AnyPort})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Spawn(Options{Kernel: k, Alias: "dup", BindPort: AnyPort}); !errors.Is(err, kernel.ErrExists) {
		t.Errorf("Spawn with a taken alias = %v, want ErrExists", err)
	}
	_ = k.Post(first.SessionID(), "shutdown")
	if err := k.Run(); err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestIPv6(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	} else {
		ln.Close()
	}
	r := startRig(t, Options{BindAddr: "::1"}, reply("UNIX", "six"))
	if host, _ := r.srv.Getsockname(); host != "::1" {
		t.Fatalf("Getsockname = %s, want ::1", host)
	}
	if got := r.exchange("1,2\r\n"); got != "1 , 2 : USERID : UNIX : six\r\n" {
		t.Errorf("reply = %q", got)
	}
	if reqs := r.Requests(); len(reqs) != 1 || reqs[0] != "::1 1 2" {
		t.Errorf("identd_request = %q, want [\"::1 1 2\"]", reqs)
	}
}
