package identclient_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/seed02617006/poe/component/identclient"
)

var (
	local  = netip.MustParseAddrPort("127.0.0.1:6191")
	remote = netip.MustParseAddrPort("127.0.0.1:23")
)

func TestLookupWithReplies(t *testing.T) {
	tests := []struct {
		name   string
		answer func(string) string
		want   identclient.Reply
		token  string // an *ErrorReply with this token
		err    error  // or this error
	}{
		{"userid", echo(" : USERID : UNIX : stjohns\r\n"), identclient.Reply{OpSys: "UNIX", UserID: "stjohns"}, "", nil},
		{"userid with charset", echo(" : USERID : UNIX , UTF-8 : jürgen \r\n"), identclient.Reply{OpSys: "UNIX", Charset: "UTF-8", UserID: "jürgen "}, "", nil},
		{"other keeps blanks and colons", echo(":USERID:OTHER:  a:b c \r\n"), identclient.Reply{OpSys: "OTHER", UserID: "a:b c "}, "", nil},
		{"trailing blanks trimmed", echo(" : USERID : UNIX : root  \t\r\n"), identclient.Reply{OpSys: "UNIX", UserID: "root"}, "", nil},
		{"lower-case keyword", echo(" : userid : UNIX : bob\r\n"), identclient.Reply{OpSys: "UNIX", UserID: "bob"}, "", nil},
		{"LF only", echo(" : USERID : UNIX : bob\n"), identclient.Reply{OpSys: "UNIX", UserID: "bob"}, "", nil},
		{"no-user", echo(" : ERROR : NO-USER\r\n"), identclient.Reply{}, "NO-USER", nil},
		{"hidden-user", echo(" : ERROR : HIDDEN-USER\r\n"), identclient.Reply{}, "HIDDEN-USER", nil},
		{"invalid-port", echo(" : ERROR : INVALID-PORT\r\n"), identclient.Reply{}, "INVALID-PORT", nil},
		{"unknown-error", echo(" : ERROR : UNKNOWN-ERROR\r\n"), identclient.Reply{}, "UNKNOWN-ERROR", nil},
		{"x-token", echo(" : ERROR : X-NO-WAY\r\n"), identclient.Reply{}, "X-NO-WAY", nil},
		{"wrong ports", func(string) string { return "23 , 6192 : USERID : UNIX : x\r\n" }, identclient.Reply{}, "", identclient.ErrPortMismatch},
		{"swapped ports", func(string) string { return "6191 , 23 : USERID : UNIX : x\r\n" }, identclient.Reply{}, "", identclient.ErrPortMismatch},
		{"garbage", func(string) string { return "hello there\r\n" }, identclient.Reply{}, "", identclient.ErrMalformed},
		{"empty userid", echo(" : USERID : UNIX : \r\n"), identclient.Reply{}, "", identclient.ErrMalformed},
		{"no opsys", echo(" : USERID :  : bob\r\n"), identclient.Reply{}, "", identclient.ErrMalformed},
		{"bad keyword", echo(" : WHOAMI : UNIX : bob\r\n"), identclient.Reply{}, "", identclient.ErrMalformed},
		{"error token with blank", echo(" : ERROR : NO USER\r\n"), identclient.Reply{}, "", identclient.ErrMalformed},
		{"closed without newline", echo(" : USERID : UNIX : bob"), identclient.Reply{}, "", identclient.ErrNoReply},
		{"closed at once", func(string) string { return "" }, identclient.Reply{}, "", identclient.ErrNoReply},
		{"too long", func(string) string { return strings.Repeat("x", 5000) }, identclient.Reply{}, "", identclient.ErrTooLong},
		{"too long with newline", func(string) string { return strings.Repeat("x", 1500) + "\r\n" }, identclient.Reply{}, "", identclient.ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newFakeIdentd(t, tt.answer, false)
			got, err := identclient.LookupWith(context.Background(), identclient.Query{
				Local: local, Remote: remote, IdentPort: d.Port(), Timeout: patience,
			})
			if reqs := d.Requests(); len(reqs) != 1 || reqs[0] != "23 , 6191\r\n" {
				t.Errorf("identd got %q, want [\"23 , 6191\\r\\n\"]", reqs)
			}
			var er *identclient.ErrorReply
			switch {
			case tt.token != "":
				if !errors.As(err, &er) || er.Token != tt.token {
					t.Fatalf("LookupWith = %+v, %v; want ErrorReply %s", got, err, tt.token)
				}
			case tt.err != nil:
				if !errors.Is(err, tt.err) {
					t.Fatalf("LookupWith = %+v, %v; want %v", got, err, tt.err)
				}
			default:
				if err != nil || got != tt.want {
					t.Fatalf("LookupWith = %+v, %v; want %+v", got, err, tt.want)
				}
			}
		})
	}
}

func TestLookupErrors(t *testing.T) {
	t.Run("not tcp", func(t *testing.T) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		if _, err := identclient.Lookup(context.Background(), a, time.Second); !errors.Is(err, identclient.ErrQuery) {
			t.Fatalf("Lookup(pipe) = %v, want ErrQuery", err)
		}
	})
	bad := []identclient.Query{
		{Local: local},
		{Local: netip.MustParseAddrPort("127.0.0.1:0"), Remote: remote},
		{Local: local, Remote: remote, IdentPort: 70000},
		{Local: local, Remote: remote, Timeout: -1},
	}
	for _, q := range bad {
		if _, err := identclient.LookupWith(context.Background(), q); !errors.Is(err, identclient.ErrQuery) {
			t.Errorf("LookupWith(%+v) = %v, want ErrQuery", q, err)
		}
	}
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		_, err = identclient.LookupWith(context.Background(), identclient.Query{Local: local, Remote: remote, IdentPort: port, Timeout: patience})
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Fatalf("LookupWith to a closed port = %v, want a *net.OpError", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		d := newFakeIdentd(t, func(string) string { return "" }, true)
		start := time.Now()
		_, err := identclient.LookupWith(context.Background(), identclient.Query{Local: local, Remote: remote, IdentPort: d.Port(), Timeout: 200 * time.Millisecond})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("LookupWith to a silent identd = %v, want DeadlineExceeded", err)
		}
		if el := time.Since(start); el > patience {
			t.Fatalf("LookupWith took %v", el)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		d := newFakeIdentd(t, func(string) string { return "" }, true)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := identclient.LookupWith(ctx, identclient.Query{Local: local, Remote: remote, IdentPort: d.Port(), Timeout: patience})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("LookupWith cancelled = %v, want Canceled", err)
		}
	})
}
