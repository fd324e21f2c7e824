package socks

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/seed02617006/poe/component/identclient"
	"github.com/seed02617006/poe/component/identserver"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// identd is an RFC 1413 server for the tests: it answers every query with
// answer ("USERID : UNIX : alice", "ERROR : NO-USER") and records the
// queries.
func identd(t *testing.T, answer string, queries chan<- string) int {
	t.Helper()
	tg := newTarget(t, func(c net.Conn) {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return
		}
		q := strings.TrimSpace(line)
		queries <- q
		fmt.Fprintf(c, "%s : %s\r\n", q, answer)
	})
	return tg.port
}

func TestIdentWithIdentd(t *testing.T) {
	for _, tc := range []struct {
		answer string
		code   int
	}{
		{"USERID : UNIX : alice", Granted},
		{"USERID : UNIX : mallory", IdentMismatch},
		{"ERROR : NO-USER", IdentMismatch},
		{"ERROR : HIDDEN-USER", IdentMismatch},
		{"GARBAGE", NoIdentd},
	} {
		t.Run(tc.answer, func(t *testing.T) {
			tg := newTarget(t, nil)
			queries := make(chan string, 1)
			port := identd(t, tc.answer, queries)
			h := newHarness(t, Options{Ident: true, IdentLookup: func(ctx context.Context, client, server netip.AddrPort) (string, error) {
				return identWith(ctx, identclient.Query{Local: server, Remote: client, IdentAddr: "127.0.0.1", IdentPort: port})
			}})
			c := h.dial()
			if _, err := c.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: tg.port, UserID: "alice"})); err != nil {
				t.Fatal(err)
			}
			if r := readReply(t, c); r.Code != tc.code {
				t.Errorf("identd answering %q: reply %+v, want code %d", tc.answer, r, tc.code)
			}
			// RFC 1413: "<port on the server's host> , <port on ours>".
			want := fmt.Sprintf("%d , %d", c.LocalAddr().(*net.TCPAddr).Port, h.port)
			if q := <-queries; strings.ReplaceAll(q, " ", "") != strings.ReplaceAll(want, " ", "") {
				t.Errorf("identd query %q, want %q", q, want)
			}
		})
	}
}

func TestIdentDefaultNoIdentd(t *testing.T) {
	if c, err := net.Dial("tcp", "127.0.0.1:113"); err == nil {
		c.Close()
		t.Skip("an identd listens on 127.0.0.1:113 here; this test needs none")
	}
	h := newHarness(t, Options{Ident: true})
	c := h.dial()
	id := h.wait("socksd_connection", nil)[0].(string)
	if _, err := c.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: 9, UserID: "alice"})); err != nil {
		t.Fatal(err)
	}
	if r := readReply(t, c); r.Code != NoIdentd {
		t.Errorf("reply without an identd = %+v, want code %d", r, NoIdentd)
	}
	expectEOF(t, c)
	if rej := h.waitID("socksd_rejected", id); rej[1] != NoIdentd || !strings.Contains(rej[2].(string), "refused") {
		t.Errorf("socksd_rejected = %v, want 92 and connection refused", rej)
	}
}

func TestIdentWithIdentServer(t *testing.T) {
	// The three components together: the proxy asks, through
	// identclient, an identserver in the same kernel whose registered
	// session answers for the client's port.
	tg := newTarget(t, nil)
	var identPort int
	h := newHarness(t, Options{Ident: true, IdentLookup: func(ctx context.Context, client, server netip.AddrPort) (string, error) {
		return identWith(ctx, identclient.Query{Local: server, Remote: client, IdentAddr: "127.0.0.1", IdentPort: identPort})
	}})
	owners := map[int]string{} // client port → user, read by the answering session
	var ids *identserver.Server
	var err error
	h.probe(func() {
		ids, err = identserver.Spawn(identserver.Options{Alias: "Ident-Server", BindPort: identserver.AnyPort, Kernel: h.k})
		if err != nil {
			return
		}
		_, identPort = ids.Getsockname()
		_, err = session.Create(session.Options{Kernel: h.k, InlineStates: kernel.States{
			"_start": func(e *kernel.Event) any {
				_ = e.Kernel.Post("Ident-Server", "register")
				return nil
			},
			"identd_request": func(e *kernel.Event) any {
				if user, ok := owners[e.Args[1].(int)]; ok {
					_, _ = e.Kernel.Call(e.Sender, "ident_server_reply", "UNIX", user)
				} else {
					_, _ = e.Kernel.Call(e.Sender, "ident_server_error", "NO-USER")
				}
				return nil
			},
		}})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.probe(ids.Shutdown) })

	for _, tc := range []struct {
		owner string // "" : identd knows no owner
		code  int
	}{{"alice", Granted}, {"bob", IdentMismatch}, {"", IdentMismatch}} {
		c := h.dial()
		if tc.owner != "" {
			port := c.LocalAddr().(*net.TCPAddr).Port
			h.probe(func() { owners[port] = tc.owner })
		}
		if _, err := c.Write(request(t, Request{Command: CmdConnect, IP: loopback, Port: tg.port, UserID: "alice"})); err != nil {
			t.Fatal(err)
		}
		if r := readReply(t, c); r.Code != tc.code {
			t.Errorf("identd owner %q, USERID alice: reply %+v, want code %d", tc.owner, r, tc.code)
		}
		c.Close()
	}
}
