package socks

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seed02617006/poe/netmask"
)

// Real SOCKS clients against the server. They run when the tools are
// installed (Debian packages curl, ncat and proxychains4); with
// POE_REQUIRE_PEERS=1 a missing tool fails the test.

// needPeer returns the path of program, or skips (fails under
// POE_REQUIRE_PEERS=1) when it is not installed.
func needPeer(t *testing.T, program, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		if os.Getenv("POE_REQUIRE_PEERS") == "1" {
			t.Fatalf("%s not installed (Debian package %s) and POE_REQUIRE_PEERS=1", program, debianPackage)
		}
		t.Skipf("%s not installed (Debian package %s)", program, debianPackage)
	}
	return path
}

// localhostOnly is the real resolver, refusing every name but localhost:
// the tests must not resolve anything else.
type localhostOnly struct{ t *testing.T }

func (r localhostOnly) LookupHost(ctx context.Context, host string) ([]string, error) {
	if host != "localhost" {
		r.t.Errorf("asked to resolve %q", host)
		return nil, &net.DNSError{Err: "refused by the test", Name: host}
	}
	return net.DefaultResolver.LookupHost(ctx, host)
}

// web is a local HTTP server whose answer names the path asked for.
func web(t *testing.T) (*httptest.Server, int) {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "served %s", r.URL.Path)
	}))
	t.Cleanup(s.Close)
	return s, s.Listener.Addr().(*net.TCPAddr).Port
}

// run runs a client program with a time limit and returns its output.
func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	return string(out), err
}

// tunnelEvents checks the events of one tunnel to port, in order.
func (h *harness) tunnelEvents(port int) {
	h.t.Helper()
	up := h.wait("socksd_sock_up", func(a []any) bool { return a[3] == port })
	id := up[0].(string)
	if up[2] != "127.0.0.1" {
		h.t.Errorf("socksd_sock_up = %v, want destination 127.0.0.1", up)
	}
	if down := h.waitID("socksd_sock_down", id); down[1] != up[1] {
		h.t.Errorf("socksd_sock_down = %v, want link %v", down, up[1])
	}
	h.waitID("socksd_disconnected", id)
}

func TestCurlSocks4(t *testing.T) {
	curl := needPeer(t, "curl", "curl")
	_, port := web(t)
	h := newHarness(t, Options{})
	out, err := run(t, curl, "-sS", "--max-time", "10", "--socks4", h.proxyAddr(),
		fmt.Sprintf("http://127.0.0.1:%d/four", port))
	if err != nil || out != "served /four" {
		t.Fatalf("curl --socks4 = %q, %v; want %q", out, err, "served /four")
	}
	h.tunnelEvents(port)
}

func TestCurlSocks4a(t *testing.T) {
	curl := needPeer(t, "curl", "curl")
	_, port := web(t)
	h := newHarness(t, Options{Resolver: localhostOnly{t}})
	out, err := run(t, curl, "-sS", "--max-time", "10", "--socks4a", h.proxyAddr(),
		fmt.Sprintf("http://localhost:%d/four-a", port))
	if err != nil || out != "served /four-a" {
		t.Fatalf("curl --socks4a = %q, %v; want %q", out, err, "served /four-a")
	}
	dns := h.wait("socksd_dns_lookup", nil)
	if dns[1] != "localhost" || dns[2] != "127.0.0.1" {
		t.Errorf("socksd_dns_lookup = %v, want localhost 127.0.0.1", dns)
	}
	h.tunnelEvents(port)
}

func TestCurlDenied(t *testing.T) {
	curl := needPeer(t, "curl", "curl")
	_, port := web(t)
	h := newHarness(t, Options{})
	h.srv.AddDenial(netmask.MustNew2("any"))
	h.srv.AddExemption(netmask.MustNew2("127.0.0.1"))
	out, err := run(t, curl, "-sS", "--max-time", "10", "--interface", "127.0.0.2", "--socks4", h.proxyAddr(),
		fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err == nil {
		t.Fatalf("curl from 127.0.0.2 through a proxy that denies it got %q", out)
	}
	if den := h.wait("socksd_denied", nil); den[0] != "127.0.0.2" {
		t.Errorf("socksd_denied = %v, want 127.0.0.2", den)
	}
	// The exempt address is served.
	if out, err := run(t, curl, "-sS", "--max-time", "10", "--socks4", h.proxyAddr(),
		fmt.Sprintf("http://127.0.0.1:%d/ok", port)); err != nil || out != "served /ok" {
		t.Errorf("curl from 127.0.0.1 = %q, %v", out, err)
	}
	if n := h.count("socksd_connection"); n != 1 {
		t.Errorf("%d socksd_connection events, want 1", n)
	}
}

func TestNcatSocks4(t *testing.T) {
	ncat := needPeer(t, "ncat", "ncat")
	tg := newTarget(t, nil)
	h := newHarness(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, ncat, "--proxy", h.proxyAddr(), "--proxy-type", "socks4",
		"127.0.0.1", strconv.Itoa(tg.port))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	for _, line := range []string{"ping\n", "pong\n"} {
		if _, err := io.WriteString(stdin, line); err != nil {
			t.Fatal(err)
		}
		if got, err := r.ReadString('\n'); got != line {
			t.Fatalf("ncat echoed %q, %v; want %q", got, err, line)
		}
	}
	stdin.Close()
	if rest, _ := io.ReadAll(r); len(rest) != 0 {
		t.Errorf("ncat printed %q more", rest)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("ncat: %v", err)
	}
	h.tunnelEvents(tg.port)
}

func TestProxychains(t *testing.T) {
	pc := needPeer(t, "proxychains4", "proxychains4")
	curl := needPeer(t, "curl", "curl")
	_, port := web(t)
	h := newHarness(t, Options{})
	conf := filepath.Join(t.TempDir(), "proxychains.conf")
	// proxy_dns is left out: names are resolved by the client, and the
	// proxy gets SOCKS 4 requests with addresses.
	cfg := strings.Join([]string{
		"strict_chain",
		"quiet_mode",
		"tcp_read_time_out 10000",
		"tcp_connect_time_out 5000",
		"[ProxyList]",
		"socks4 127.0.0.1 " + strconv.Itoa(h.port),
		"",
	}, "\n")
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, pc, "-q", "-f", conf, curl, "-sS", "--max-time", "10",
		fmt.Sprintf("http://127.0.0.1:%d/chained", port))
	if err != nil || out != "served /chained" {
		t.Fatalf("proxychains4 curl = %q, %v; want %q", out, err, "served /chained")
	}
	h.tunnelEvents(port)
}
