package identclient_test

import (
	"context"
	"errors"
	"net"
	"os/user"
	"testing"

	"github.com/seed02617006/poe/component/identclient"
	"github.com/seed02617006/poe/internal/identtest"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// connPair makes a real TCP connection on 127.0.0.1 and returns both
// ends.
func connPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// oidentd (Debian oidentd), a real identd, answers our client about a
// real connection with the owner of its client end: this process's user.
func TestOidentdPeer(t *testing.T) {
	port := identtest.StartOidentd(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	_, server := connPair(t)
	local := server.LocalAddr().(*net.TCPAddr).AddrPort()
	remote := server.RemoteAddr().(*net.TCPAddr).AddrPort()

	t.Run("LookupWith", func(t *testing.T) {
		r, err := identclient.LookupWith(context.Background(), identclient.Query{Local: local, Remote: remote, IdentPort: port, Timeout: patience})
		if err != nil || r.OpSys != "UNIX" || r.UserID != me.Username {
			t.Fatalf("LookupWith = %+v, %v; want UNIX %s", r, err, me.Username)
		}
	})
	t.Run("no such connection", func(t *testing.T) {
		// A pair no socket has: a port just freed.
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		gone := ln.Addr().(*net.TCPAddr).AddrPort()
		ln.Close()
		_, err = identclient.LookupWith(context.Background(), identclient.Query{Local: local, Remote: gone, IdentPort: port, Timeout: patience})
		var er *identclient.ErrorReply
		if !errors.As(err, &er) || er.Token != "NO-USER" {
			t.Fatalf("LookupWith of a pair with no connection = %v, want ERROR NO-USER", err)
		}
	})
	t.Run("Agent and Client", func(t *testing.T) {
		k := kernel.New()
		var got []outcome
		_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
			"_start": func(e *kernel.Event) any {
				if _, err := identclient.SpawnAgent(identclient.AgentOptions{Kernel: e.Kernel, Socket: server, IdentPort: port, Reference: "agent"}); err != nil {
					t.Errorf("SpawnAgent: %v", err)
				}
				c, err := identclient.Spawn(identclient.Options{Kernel: e.Kernel})
				if err != nil {
					t.Fatalf("Spawn: %v", err)
				}
				e.Heap["client"] = c
				_ = e.Kernel.Post(c.SessionID(), "query", "Socket", server, "IdentPort", port, "Reference", "client")
				return nil
			},
			"ident_agent_reply": record(&got),
			"ident_agent_error": record(&got),
			"ident_client_reply": func(e *kernel.Event) any {
				record(&got)(e)
				e.Heap["client"].(*identclient.Client).Shutdown()
				return nil
			},
			"ident_client_error": func(e *kernel.Event) any {
				record(&got)(e)
				e.Heap["client"].(*identclient.Client).Shutdown()
				return nil
			},
			"_child": func(*kernel.Event) any { return nil },
		}})
		if err != nil {
			t.Fatal(err)
		}
		runKernel(t, k)
		if len(got) != 2 {
			t.Fatalf("events = %v, want 2", got)
		}
		for _, o := range got {
			want := map[string]string{"agent": "ident_agent_reply", "client": "ident_client_reply"}[o.ref.Reference.(string)]
			if o.event != want || o.args[0] != "UNIX" || o.args[1] != me.Username {
				t.Errorf("event = %v, want %s UNIX %s", o, want, me.Username)
			}
			if o.ref.PeerPort != int(remote.Port()) || o.ref.SockPort != int(local.Port()) {
				t.Errorf("ref = %+v, want the connection's ports", o.ref)
			}
		}
	})
}
