package main

import (
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAgainstDaytimeUDPServer(t *testing.T) {
	srv := progtest.Start(t, progtest.Build(t, "../daytime-udp-server"), "-addr", "127.0.0.1:0")
	out, errOut, code := progtest.Run(t, "", progtest.Build(t, "."), "-addr", srv.Addr)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	d, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006\n", out, time.Local)
	if err != nil {
		t.Fatalf("output %q is not a date line: %v", out, err)
	}
	if off := time.Since(d); off < -time.Minute || off > time.Minute {
		t.Errorf("date %q is %v away from now", out, off)
	}
}

// ncat -u -l as the server: it answers the first datagram with its input.
func TestAgainstNcat(t *testing.T) {
	ncat := progtest.Peer(t, "ncat", "ncat")
	port := progtest.FreePort(t)
	srv := progtest.StartInput(t, "Thu Sep  9 14:03:05 2025", ncat, "-v", "-u", "-l", "127.0.0.1", port)
	out, errOut, code := progtest.Run(t, "", progtest.Build(t, "."), "-addr", srv.Addr)
	if code != 0 || errOut != "" || out != "Thu Sep  9 14:03:05 2025\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and the date line", code, out, errOut)
	}
}

// Nothing on the port: the kernel reports the ICMP refusal as a read error.
func TestRefused(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	out, errOut, code := progtest.Run(t, "", progtest.Build(t, "."), "-addr", addr)
	if code != 0 || out != "" || errOut != "recv: Connection refused\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0, nothing, recv: Connection refused", code, out, errOut)
	}
}

// A server that never answers: the client gives up after -timeout.
func TestTimeout(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	bin := progtest.Build(t, ".")
	began := time.Now()
	out, errOut, code := progtest.Run(t, "", bin, "-addr", pc.LocalAddr().String(), "-timeout", "200ms")
	if code != 0 || out != "" || errOut != "Timeout\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0, nothing, Timeout", code, out, errOut)
	}
	if d := time.Since(began); d < 200*time.Millisecond {
		t.Errorf("gave up after %v, before -timeout", d)
	}
}
