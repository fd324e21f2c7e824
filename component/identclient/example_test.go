package identclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/seed02617006/poe/component/identclient"
	"github.com/seed02617006/poe/component/identserver"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// An identd from package identserver that knows one connection, asked
// about it and about another.
func ExampleLookupWith() {
	k := kernel.New()
	srv, err := identserver.Spawn(identserver.Options{BindPort: identserver.AnyPort, Kernel: k})
	if err != nil {
		fmt.Println(err)
		return
	}
	session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			e.Kernel.Post(srv.SessionID(), "register")
			return nil
		},
		"identd_request": func(e *kernel.Event) any {
			if e.Args[1].(int) == 23 {
				e.Kernel.Call(e.Sender, "ident_server_reply", "UNIX", "stjohns")
			} else {
				e.Kernel.Call(e.Sender, "ident_server_error", "NO-USER")
			}
			return nil
		},
	}})
	done := make(chan error)
	go func() { done <- k.Run() }()

	_, port := srv.Getsockname()
	for _, remote := range []string{"127.0.0.1:23", "127.0.0.1:24"} {
		r, err := identclient.LookupWith(context.Background(), identclient.Query{
			Local:     netip.MustParseAddrPort("127.0.0.1:6191"),
			Remote:    netip.MustParseAddrPort(remote),
			IdentPort: port,
			Timeout:   10 * time.Second,
		})
		var er *identclient.ErrorReply
		switch {
		case errors.As(err, &er):
			fmt.Println(remote, "error", er.Token)
		case err != nil:
			fmt.Println(remote, err)
		default:
			fmt.Println(remote, r.OpSys, r.UserID)
		}
	}

	k.Outside().Post(srv.SessionID(), "shutdown")
	<-done
	// Output:
	// 127.0.0.1:23 UNIX stjohns
	// 127.0.0.1:24 error NO-USER
}
