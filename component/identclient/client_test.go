package identclient_test

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seed02617006/poe/component/identclient"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// runKernel runs k until it has no sessions left, failing the test after
// patience.
func runKernel(t *testing.T, k *kernel.Kernel) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- k.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(patience):
		k.Outside().Stop()
		<-done
		t.Fatalf("the kernel did not stop within %v", patience)
	}
}

// outcome is what a reply or error event carried.
type outcome struct {
	event string
	ref   identclient.Ref
	args  []any
}

func (o outcome) String() string { return fmt.Sprintf("%s %+v %v", o.event, o.ref, o.args) }

func record(got *[]outcome) kernel.Handler {
	return func(e *kernel.Event) any {
		ref, _ := e.Arg(0).(*identclient.Ref)
		o := outcome{event: e.State, args: e.Args[1:]}
		if ref != nil {
			o.ref = *ref
		}
		*got = append(*got, o)
		return nil
	}
}

func TestAgent(t *testing.T) {
	tests := []struct {
		name   string
		answer func(string) string
		hang   bool
		buggy  bool
		want   string // the event and its args after the ref, as %s %v
	}{
		{"reply", echo(" : USERID : UNIX : alice\r\n"), false, false, "ident_agent_reply [UNIX alice ]"},
		{"reply with charset", echo(" : USERID : UNIX,UTF-8 : alice\r\n"), false, false, "ident_agent_reply [UNIX alice UTF-8]"},
		{"error reply", echo(" : ERROR : NO-USER\r\n"), false, false, "ident_agent_error [NO-USER identclient: ERROR : NO-USER]"},
		{"x-token", echo(" : ERROR : X-SECRET\r\n"), false, false, "ident_agent_error [X-SECRET identclient: ERROR : X-SECRET]"},
		{"malformed", func(string) string { return "what?\r\n" }, false, false, "ident_agent_error [UNKNOWN-ERROR identclient: malformed reply: \"what?\"]"},
		{"port mismatch", func(string) string { return "1 , 2 : USERID : UNIX : bob\r\n" }, false, false, "ident_agent_error [UNKNOWN-ERROR identclient: reply about another port pair: asked about 4242 , 6667, told about 1 , 2]"},
		{"closed", func(string) string { return "" }, false, false, "ident_agent_error [UNKNOWN-ERROR identclient: connection closed without a reply]"},
		{"LF only, strict", echo(" : USERID : UNIX : alice\n"), false, false, "ident_agent_error [UNKNOWN-ERROR identclient: connection closed without a reply]"},
		{"LF only, buggy", echo(" : USERID : UNIX : alice\n"), false, true, "ident_agent_reply [UNIX alice ]"},
		{"too long", func(string) string { return strings.Repeat("y", 3000) }, true, false, "ident_agent_error [UNKNOWN-ERROR identclient: reply longer than 1000 characters]"},
		{"timeout", func(string) string { return "" }, true, false, "ident_agent_error [UNKNOWN-ERROR identclient: no answer within 200ms: i/o timeout]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newFakeIdentd(t, tt.answer, tt.hang)
			k := kernel.New()
			var got []outcome
			_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
				"_start": func(e *kernel.Event) any {
					_, err := identclient.SpawnAgent(identclient.AgentOptions{Kernel: e.Kernel,
						PeerAddr: "127.0.0.1", PeerPort: 4242, SockAddr: "127.0.0.1", SockPort: 6667,
						IdentPort: d.Port(), BuggyIdentd: tt.buggy, TimeOut: 200 * time.Millisecond,
						Reference: "conn-7",
					})
					if err != nil {
						t.Errorf("SpawnAgent: %v", err)
					}
					return nil
				},
				"ident_agent_reply": record(&got),
				"ident_agent_error": record(&got),
				"_child":            func(*kernel.Event) any { return nil },
			}})
			if err != nil {
				t.Fatal(err)
			}
			runKernel(t, k)
			if len(got) != 1 {
				t.Fatalf("events = %v, want exactly one", got)
			}
			wantRef := identclient.Ref{PeerAddr: "127.0.0.1", PeerPort: 4242, SockAddr: "127.0.0.1", SockPort: 6667, Reference: "conn-7"}
			if got[0].ref != wantRef {
				t.Errorf("ref = %+v, want %+v", got[0].ref, wantRef)
			}
			if s := fmt.Sprintf("%s %v", got[0].event, got[0].args); s != tt.want {
				t.Errorf("event = %s, want %s", s, tt.want)
			}
			if reqs := d.Requests(); len(reqs) != 1 || reqs[0] != "4242 , 6667\r\n" {
				t.Errorf("identd got %q, want [\"4242 , 6667\\r\\n\"]", reqs)
			}
		})
	}
}

func TestAgentBadOptions(t *testing.T) {
	bad := []identclient.AgentOptions{
		{PeerAddr: "localhost", PeerPort: 1, SockPort: 2},
		{PeerAddr: "127.0.0.1", PeerPort: 0, SockPort: 2},
		{PeerAddr: "127.0.0.1", PeerPort: 1, SockPort: 65536},
		{PeerAddr: "127.0.0.1", PeerPort: 1, SockPort: 2, SockAddr: "nowhere"},
		{PeerAddr: "127.0.0.1", PeerPort: 1, SockPort: 2, IdentPort: -1},
		{PeerAddr: "127.0.0.1", PeerPort: 1, SockPort: 2, TimeOut: -time.Second},
	}
	for _, o := range bad {
		if _, err := identclient.SpawnAgent(o); !errors.Is(err, identclient.ErrQuery) {
			t.Errorf("SpawnAgent(%+v) = %v, want ErrQuery", o, err)
		}
	}
}

func TestAgentRefused(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	k := kernel.New()
	var got []outcome
	_, err = session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			_, err := identclient.SpawnAgent(identclient.AgentOptions{Kernel: e.Kernel,
				PeerAddr: "127.0.0.1", PeerPort: 1, SockPort: 2, IdentPort: port,
			})
			if err != nil {
				t.Errorf("SpawnAgent: %v", err)
			}
			return nil
		},
		"ident_agent_error": record(&got),
	}})
	if err != nil {
		t.Fatal(err)
	}
	runKernel(t, k)
	if len(got) != 1 || got[0].args[0] != "UNKNOWN-ERROR" {
		t.Fatalf("events = %v, want one UNKNOWN-ERROR", got)
	}
	if err, _ := got[0].args[1].(error); !strings.Contains(fmt.Sprint(err), "connect") {
		t.Errorf("error = %v, want a connect error", err)
	}
}

func TestClientQuery(t *testing.T) {
	d := newFakeIdentd(t, func(req string) string {
		if strings.HasPrefix(req, "1000 ") {
			return echo(" : ERROR : HIDDEN-USER\r\n")(req)
		}
		return echo(" : USERID : UNIX : u" + strings.Fields(req)[0] + "\r\n")(req)
	}, false)
	k := kernel.New()
	var got []outcome
	var client *identclient.Client
	_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			var err error
			client, err = identclient.Spawn(identclient.Options{Alias: "Ident-Client", Kernel: e.Kernel})
			if err != nil {
				t.Fatalf("Spawn: %v", err)
			}
			// The struct form, the Perl name/value form, and a bad query.
			_ = e.Kernel.Post("Ident-Client", "query", identclient.AgentOptions{
				PeerAddr: "127.0.0.1", PeerPort: 1000, SockAddr: "127.0.0.1", SockPort: 7,
				IdentPort: d.Port(), Reference: 1})
			_ = e.Kernel.Post("Ident-Client", "query", "PeerAddr", "127.0.0.1", "PeerPort", 2000,
				"SockAddr", "127.0.0.1", "SockPort", 7, "IdentPort", d.Port(), "TimeOut", 10,
				"Reference", 2)
			_ = e.Kernel.Post("Ident-Client", "query", "PeerAddr", "127.0.0.1", "Reference", 3)
			_ = e.Kernel.Post("Ident-Client", "query", "Bogus", 1)
			return nil
		},
		"ident_client_reply": func(e *kernel.Event) any {
			record(&got)(e)
			if len(got) == 4 {
				client.Shutdown()
			}
			return nil
		},
		"ident_client_error": func(e *kernel.Event) any {
			record(&got)(e)
			if len(got) == 4 {
				client.Shutdown()
			}
			return nil
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	runKernel(t, k) // ends only if shutdown lets the component go
	byRef := map[any]string{}
	for _, o := range got {
		byRef[o.ref.Reference] = fmt.Sprintf("%s %v", o.event, o.args[:2])
	}
	want := map[any]string{
		1:   "ident_client_error [HIDDEN-USER identclient: ERROR : HIDDEN-USER]",
		2:   "ident_client_reply [UNIX u2000]",
		3:   "ident_client_error [UNKNOWN-ERROR identclient: invalid query: PeerPort 0, SockPort 0]",
		nil: "ident_client_error [UNKNOWN-ERROR identclient: invalid query: unknown argument \"Bogus\"]",
	}
	if len(got) != 4 || fmt.Sprint(byRef) != fmt.Sprint(want) {
		t.Fatalf("events = %v\nwant %v", byRef, want)
	}
}

// A Client shut down with queries under way ends them without events and
// releases the requester, which the original keeps alive for ever.
func TestClientShutdownPending(t *testing.T) {
	d := newFakeIdentd(t, func(string) string { return "" }, true)
	k := kernel.New()
	var got []outcome
	_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			c, err := identclient.Spawn(identclient.Options{Kernel: e.Kernel})
			if err != nil {
				t.Fatalf("Spawn: %v", err)
			}
			e.Heap["client"] = c
			_ = e.Kernel.Post(c.SessionID(), "query", identclient.AgentOptions{
				PeerAddr: "127.0.0.1", PeerPort: 1, SockPort: 2, IdentPort: d.Port(), TimeOut: patience})
			_ = e.Kernel.Delay("stop", 100*time.Millisecond)
			return nil
		},
		"stop": func(e *kernel.Event) any {
			e.Heap["client"].(*identclient.Client).Shutdown()
			return nil
		},
		"ident_client_reply": record(&got),
		"ident_client_error": record(&got),
	}})
	if err != nil {
		t.Fatal(err)
	}
	runKernel(t, k)
	if len(got) != 0 {
		t.Fatalf("events after shutdown = %v, want none", got)
	}
}

func TestClientAliasTaken(t *testing.T) {
	k := kernel.New()
	_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			c, err := identclient.Spawn(identclient.Options{Alias: "dup", Kernel: e.Kernel})
			if err != nil {
				t.Fatalf("first Spawn: %v", err)
			}
			if _, err := identclient.Spawn(identclient.Options{Alias: "dup", Kernel: e.Kernel}); !errors.Is(err, kernel.ErrExists) {
				t.Errorf("second Spawn with the same alias = %v, want ErrExists", err)
			}
			c.Shutdown()
			return nil
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	runKernel(t, k)
}
