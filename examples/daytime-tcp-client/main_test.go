package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Against the daytime-tcp-server example.
func TestAgainstDaytimeServer(t *testing.T) {
	srv := progtest.Start(t, progtest.Build(t, "../daytime-tcp-server"), "-addr", "127.0.0.1:0")
	client := progtest.Build(t, ".")
	for range 3 {
		out, errOut, code := progtest.Run(t, "", client, "-addr", srv.Addr)
		if code != 0 || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		got, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006\n", out, time.Local)
		if err != nil {
			t.Fatalf("output %q is not one date line: %v", out, err)
		}
		if d := time.Since(got); d < -time.Minute || d > time.Minute {
			t.Errorf("date %q is %v away from now", out, d)
		}
	}
}

// Against a plain server, ncat, sending several lines then closing.
func TestAgainstNcat(t *testing.T) {
	ncat := progtest.Peer(t, "ncat", "ncat")
	port := progtest.FreePort(t)
	const lines = "first line\nsecond line\r\nthird\n"
	srv := progtest.StartInput(t, lines, ncat, "-v", "-l", "--send-only", "127.0.0.1", port)
	out, errOut, code := progtest.Run(t, "", progtest.Build(t, "."), "-addr", srv.Addr)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if want := "first line\nsecond line\nthird\n"; out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
}

func TestConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out, errOut, code := progtest.Run(t, "", progtest.Build(t, "."), "-addr", addr)
	if code != 1 || out != "" || !strings.Contains(errOut, "connect: Connection refused") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and connect: Connection refused", code, out, errOut)
	}
}
