package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed02617006/poe/internal/progtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// check_user's decision, with users the ident hook will one day supply.
func TestAllowRules(t *testing.T) {
	var a allowTable
	for _, e := range defaultAllow {
		if err := a.add(e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		peer, user string
		want       bool
	}{
		{"127.0.0.1", "", true},           // '*' => 1
		{"127.0.0.1", "anyone", true},     // '*' => 1
		{"214.123.1.9", "tchrist", false}, // tchrist => 0 before '*'
		{"214.123.1.9", "gbarr", true},    // '*' => 1
		{"192.168.1.7", "gbarr", true},    // gbarr => 1
		{"192.168.1.7", "tchrist", false}, // no rule, no '*'
		{"192.168.1.7", "", false},        // unknown user, no '*'
		{"10.0.0.1", "gbarr", false},      // no block
		{"not an address", "", false},
	}
	for _, tt := range tests {
		got := false
		if block := a.blocks.Fetch(tt.peer); block != nil {
			got = a.rules[block.String()].allow(tt.user)
		}
		if got != tt.want {
			t.Errorf("check_user(%s, %q) = %v, want %v", tt.peer, tt.user, got, tt.want)
		}
	}
}

func TestBadAllow(t *testing.T) {
	for _, bad := range []string{"127.0.0.0/24", "nonsense=*:1", "127.0.0.0/24=*:yes", "127.0.0.0/24=:1"} {
		var a allowTable
		if err := a.add(bad); err == nil {
			t.Errorf("add(%q) = nil, want an error", bad)
		}
	}
	_, errOut, code := progtest.Run(t, "", progtest.Build(t, "."), "-addr", "127.0.0.1:0", "-allow", "300.0.0.0/8=*:1")
	if code != 2 || !strings.Contains(errOut, "-allow") {
		t.Errorf("exit %d, stderr %q; want 2 and the -allow error", code, errOut)
	}
}

// ask connects from 127.0.0.1 and returns what the server sent before
// closing.
func ask(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, progtest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(progtest.Patience))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func TestServer(t *testing.T) {
	bin := progtest.Build(t, ".")
	tests := []struct {
		name  string
		allow []string
		want  bool
	}{
		{"tutorial table", nil, true},
		{"network not listed", []string{"10.0.0.0/8=*:1"}, false},
		{"named users only, user unknown", []string{"127.0.0.0/24=gbarr:1"}, false},
		{"everyone denied", []string{"127.0.0.0/24=*:0"}, false},
		{"most specific block denies", []string{"127.0.0.0/8=*:1", "127.0.0.1=*:0"}, false},
		{"most specific block allows", []string{"127.0.0.0/8=*:0", "127.0.0.1/32=*:1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"-addr", "127.0.0.1:0"}
			for _, a := range tt.allow {
				args = append(args, "-allow", a)
			}
			p := progtest.Start(t, bin, args...)
			got := ask(t, p.Addr)
			if !tt.want {
				if got != "" {
					t.Errorf("denied client was sent %q", got)
				}
				return
			}
			d, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006\n", got, time.Local)
			if err != nil {
				t.Fatalf("allowed client got %q, not a date line: %v", got, err)
			}
			if off := time.Since(d); off < -time.Minute || off > time.Minute {
				t.Errorf("date %q is %v away from now", got, off)
			}
		})
	}
}

func TestWithNcat(t *testing.T) {
	ncat := progtest.Peer(t, "ncat", "ncat")
	p := progtest.Start(t, progtest.Build(t, "."), "-addr", "127.0.0.1:0")
	host, port, _ := net.SplitHostPort(p.Addr)
	// --recv-only: a daytime client sends nothing, not even an EOF, while
	// the server asks the client's identd who it is.
	out, errOut, code := progtest.Run(t, "", ncat, "--recv-only", host, port)
	if _, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006\n", out, time.Local); code != 0 || err != nil {
		t.Errorf("ncat exit %d, stdout %q, stderr %q; want 0 and a date line", code, out, errOut)
	}
}

// FuzzAllowEntry: any -allow text is taken or refused without a panic,
// and a taken entry's rules decide the same after a round trip through
// the text they print as.
func FuzzAllowEntry(f *testing.F) {
	for _, s := range append(defaultAllow, "", "=", "10.0.0.0/8=", "::1=*:1,root:0", "1.2.3.4=a:1,a:0", "any=*:1") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, entry string) {
		var a allowTable
		if err := a.add(entry); err != nil {
			return
		}
		if a.blocks.Len() != 1 || len(a.rules) != 1 {
			t.Fatalf("add(%q) stored %d blocks, %d rule sets", entry, a.blocks.Len(), len(a.rules))
		}
		for desc, r := range a.rules {
			var parts []string
			for user, ok := range r {
				v := "0"
				if ok {
					v = "1"
				}
				parts = append(parts, user+":"+v)
			}
			var b allowTable
			if err := b.add(desc + "=" + strings.Join(parts, ",")); err != nil {
				t.Fatalf("re-adding %q from %q: %v", desc, entry, err)
			}
			for user := range r {
				if got, want := b.rules[desc].allow(user), r.allow(user); got != want {
					t.Errorf("user %q: %v after the round trip, %v before", user, got, want)
				}
			}
		}
	})
}

// identd answers every RFC 1413 query with user, on a free loopback port,
// until the test ends.
func identd(t *testing.T, user string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err == nil {
				fmt.Fprintf(c, "%s : USERID : UNIX : %s\r\n", strings.TrimSpace(line), user)
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().(*net.TCPAddr).Port
}

// TestIdentLookup checks Net::Ident::lookup's part: the identd on the
// client's host names the user, and the network's rules decide.
func TestIdentLookup(t *testing.T) {
	bin := progtest.Build(t, ".")
	tests := []struct {
		name  string
		user  string
		allow []string
		want  bool
	}{
		{"named user allowed", "gbarr", []string{"127.0.0.0/24=gbarr:1"}, true},
		{"other user denied", "bob", []string{"127.0.0.0/24=gbarr:1"}, false},
		{"named user denied, others allowed", "tchrist", []string{"127.0.0.0/24=tchrist:0,*:1"}, false},
		{"anyone else allowed", "bob", []string{"127.0.0.0/24=tchrist:0,*:1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := identd(t, tt.user)
			args := []string{"-addr", "127.0.0.1:0", "-identport", strconv.Itoa(port)}
			for _, a := range tt.allow {
				args = append(args, "-allow", a)
			}
			p := progtest.Start(t, bin, args...)
			got := ask(t, p.Addr)
			if (got != "") != tt.want {
				t.Errorf("ident user %q with %v: got %q, want allowed=%v", tt.user, tt.allow, got, tt.want)
			}
		})
	}
}
