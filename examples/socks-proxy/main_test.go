package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/component/socks"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// TestSocksProxy runs the program, sends an exempt client (127.0.0.1)
// through it to a local HTTP server and tries a denied one (127.0.0.2),
// and checks the lines _default prints, as the Perl program prints them.
func TestSocksProxy(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "socks-proxy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	errLine, err := bufio.NewReader(stderr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the listening address: %v", err)
	}
	proxy := strings.TrimPrefix(strings.TrimSpace(errLine), "listening on ")
	_, proxyPort, _ := net.SplitHostPort(proxy)
	lines := make(chan string, 16)
	go func() {
		r := bufio.NewReader(stdout)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- l
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("program ended")
			}
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("no line from the program")
			return ""
		}
	}

	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello via socks")
	}))
	defer web.Close()
	webPort := web.Listener.Addr().(*net.TCPAddr).Port

	// An exempt client: CONNECT, one HTTP exchange, close.
	c, err := net.Dial("tcp", proxy)
	if err != nil {
		t.Fatal(err)
	}
	clientPort := c.LocalAddr().(*net.TCPAddr).Port
	req, _ := socks.AppendRequest(nil, socks.Request{Command: socks.CmdConnect, IP: web.Listener.Addr().(*net.TCPAddr).AddrPort().Addr(), Port: webPort})
	_, _ = c.Write(append(req, "GET / HTTP/1.0\r\n\r\n"...))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	body, _ := io.ReadAll(c)
	c.Close()
	if len(body) < socks.ReplyLen || body[1] != socks.Granted || !strings.HasSuffix(string(body), "hello via socks") {
		t.Fatalf("through the proxy: %q", body)
	}

	want := []string{
		fmt.Sprintf(`^socksd_connection:  '(%s)' '127\.0\.0\.1' '%d' '127\.0\.0\.1' '%s' \n$`, uuidRE, clientPort, proxyPort),
		fmt.Sprintf(`^socksd_sock_up:  '(%s)' '(%s)' '127\.0\.0\.1' '%d' \n$`, uuidRE, uuidRE, webPort),
		fmt.Sprintf(`^socksd_sock_down:  '(%s)' '(%s)' '' \n$`, uuidRE, uuidRE),
		fmt.Sprintf(`^socksd_disconnected:  '(%s)' \n$`, uuidRE),
	}
	var id string
	for _, w := range want {
		l := next()
		m := regexp.MustCompile(w).FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q, want one matching %s", l, w)
		}
		if len(m) > 1 {
			if id == "" {
				id = m[1]
			} else if m[1] != id {
				t.Errorf("line %q is about client %s, want %s", l, m[1], id)
			}
		}
	}
	// A denied client.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	x, err := d.Dial("tcp", proxy)
	if err != nil {
		t.Fatal(err)
	}
	deniedPort := x.LocalAddr().(*net.TCPAddr).Port
	_ = x.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.ReadAll(x)
	x.Close()

	if l, w := next(), fmt.Sprintf("socksd_denied:  '127.0.0.2' '%d' \n", deniedPort); l != w {
		t.Errorf("line %q, want %q", l, w)
	}
	select {
	case l := <-lines:
		t.Errorf("unexpected line %q", l)
	case <-time.After(50 * time.Millisecond):
	}
}
