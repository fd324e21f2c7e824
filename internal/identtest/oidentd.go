// Package identtest runs oidentd, a real identd, for the tests and
// benchmarks of component/identclient and component/identserver.
package identtest

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// StartOidentd runs oidentd (Debian oidentd) in the foreground on
// 127.0.0.1 and a free port, stops it when tb ends, and returns the port.
// It must run as root, as oidentd reads every user's connections. When
// oidentd is missing or cannot run, the test is skipped, or failed when
// POE_REQUIRE_PEERS=1.
func StartOidentd(tb testing.TB) int {
	tb.Helper()
	missing := func(why string) {
		if os.Getenv("POE_REQUIRE_PEERS") == "1" {
			tb.Fatalf("oidentd required (POE_REQUIRE_PEERS=1) but %s; install Debian's oidentd and run as root", why)
		}
		tb.Skipf("skipping the oidentd test: %s (install Debian's oidentd, run as root)", why)
	}
	bin, err := exec.LookPath("oidentd")
	if err != nil {
		missing("oidentd is not installed")
	}
	if os.Geteuid() != 0 {
		missing("not running as root")
	}
	// A free port: oidentd cannot report the one it got.
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	// -i: foreground; -q -S: quiet, to standard error; -t: close idle
	// connections after 5 s.
	cmd := exec.Command(bin, "-i", "-q", "-S", "-t", "5", "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		missing("it does not start: " + err.Error())
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp4", addr, time.Second)
		if err == nil {
			c.Close()
			return port
		}
		if time.Now().After(deadline) {
			missing("it does not listen on " + addr + ": " + err.Error())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
