// Command imap-relay is the IMAP relay of POE::Filter::SSL's SYNOPSIS
// (its first Advanced Example). It accepts IMAP clients on two ports: a
// plain one (143) where a client may switch to TLS with STARTTLS, and a
// TLS one (993). Before login it answers CAPABILITY and STARTTLS itself;
// on LOGIN it connects to the IMAP server chosen by the user name, sends
// it the LOGIN command, and from then on relays bytes both ways, logging
// each transfer on standard output.
//
// As in the seed, both ports are POE::Component::Server::TCP
// (component/tcpserver) with a Stream filter (an SSL one on the TLS
// port); STARTTLS is ReadWrite.SetFilter with an SSL filter, after the
// OK has been put in plain text. Each login spawns a
// POE::Component::Client::TCP (component/tcpclient) to the IMAP server;
// its first input, the server's greeting, is skipped, since the client
// has had the relay's.
//
// Differences from the seed:
//
//   - Addresses are flags and everything stays on this machine: -addr
//     (143-style, default 127.0.0.1:143) and -ssladdr (993-style, default
//     127.0.0.1:993); -server is $defaultImapServer (default
//     127.0.0.1:10143) and -user NAME=HOST:PORT, which may be repeated,
//     fills $usernameToImapServer (empty by default: the seed's entries
//     name outside hosts). -crt and -key are server.crt and server.key.
//     Each listener prints where it listens on standard error.
//   - A tag is any IMAP tag (RFC 3501: atom characters but "+"), not
//     only digits, so that clients such as openssl s_client -starttls
//     imap, whose tag is ".", get through. Only the tag pattern changed.
//   - The seed's _child handler, which learns the client session's ID,
//     cannot be given: tcpserver keeps _child for itself. The ID comes
//     from tcpclient.New's Client instead, at the same moment.
//   - The SSL filter of STARTTLS is a clone of one made at startup, so
//     a bad -crt or -key fails at once rather than at the first STARTTLS.
//   - Fixed: the seed skips the IMAP server's whole first input as its
//     greeting, losing the answer to LOGIN when both come in one read;
//     only the greeting line is skipped here.
//   - A failed TLS handshake is logged once per connection to standard
//     error (the wheel reports it once per retry).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/seed02617006/poe/component/tcpclient"
	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

var (
	defaultImapServer    = "127.0.0.1:10143"
	usernameToImapServer = map[string]string{}
	sslProto             *filter.SSL
)

// userFlag is -user NAME=HOST:PORT.
type userFlag struct{}

func (userFlag) String() string { return "" }
func (userFlag) Set(s string) error {
	name, addr, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=HOST:PORT")
	}
	if _, _, err := splitAddr(addr); err != nil {
		return err
	}
	usernameToImapServer[name] = addr
	return nil
}

func splitAddr(addr string) (string, int, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	return host, port, nil
}

// An IMAP tag (RFC 3501 section 9): ASTRING-CHARs but "+"; the seed has
// \d+.
const tag = `([^\s(){%*"\\\]+]+)`

var (
	reStartTLS   = regexp.MustCompile(`(?i)^` + tag + `\s+STARTTLS[\r\n]+`)
	reCapability = regexp.MustCompile(`(?i)^` + tag + `\s+CAPABILITY[\r\n]+`)
	reLogin      = regexp.MustCompile(`(?i)^` + tag + `\s+login\s+"(\S+)"\s+"(\S+)"[\r\n]+`)
)

func main() {
	addr := flag.String("addr", "127.0.0.1:143", "plain (STARTTLS) address and port to listen on")
	sslAddr := flag.String("ssladdr", "127.0.0.1:993", "TLS address and port to listen on")
	crt := flag.String("crt", "server.crt", "server certificate (PEM)")
	key := flag.String("key", "server.key", "server private key (PEM)")
	flag.StringVar(&defaultImapServer, "server", defaultImapServer, "IMAP server for users without -user")
	flag.Var(userFlag{}, "user", "NAME=HOST:PORT: the IMAP server of user NAME (repeatable)")
	flag.Parse()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "imap-relay:", err)
		os.Exit(2)
	}
	host, port, err := splitAddr(*addr)
	if err != nil {
		fail(fmt.Errorf("-addr: %w", err))
	}
	sslHost, sslPort, err := splitAddr(*sslAddr)
	if err != nil {
		fail(fmt.Errorf("-ssladdr: %w", err))
	}
	if _, _, err := splitAddr(defaultImapServer); err != nil {
		fail(fmt.Errorf("-server: %w", err))
	}
	sslProto, err = filter.NewSSL(filter.SSLOptions{Crt: *crt, Key: *key})
	if err != nil {
		fail(err)
	}
	status := 0
	started := func(e *kernel.Event) any {
		if l, ok := e.Heap["listener"].(*wheel.SocketFactory); ok {
			a, p := l.Getsockname()
			fmt.Fprintf(os.Stderr, "imap-relay: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
		}
		return nil
	}
	listenError := func(e *kernel.Event) any {
		fmt.Fprintf(os.Stderr, "imap-relay: %v: %v\n", e.Args[0], e.Args[2])
		status = 1
		e.Heap.Delete("listener")
		return nil
	}

	if _, err := tcpserver.New(tcpserver.Options{
		Address:            host,
		Port:               port,
		ClientFilter:       filter.NewStream(),
		ClientDisconnected: disconnect,
		ClientConnected:    connected,
		ClientInput:        handleInput,
		ClientError:        clientError,
		InlineStates: kernel.States{
			"send_stuff": sendStuff,
		},
		Started: started,
		Error:   listenError,
	}); err != nil {
		fail(err)
	}

	if _, err := tcpserver.New(tcpserver.Options{
		Address:            sslHost,
		Port:               sslPort,
		ClientFilter:       sslProto,
		ClientConnected:    connected,
		ClientDisconnected: disconnect,
		ClientInput:        handleInput,
		ClientError:        clientError,
		InlineStates: kernel.States{
			"send_stuff": sendStuff,
		},
		Started: started,
		Error:   listenError,
	}); err != nil {
		fail(err)
	}

	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "imap-relay:", err)
		os.Exit(1)
	}
	os.Exit(status)
}

func disconnect(e *kernel.Event) any {
	logevent("server got disconnect", e.Session)
	if id, ok := e.Heap["client_id"].(int); ok {
		_ = e.Kernel.Post(id, "shutdown")
	}
	return nil
}

func connected(e *kernel.Event) any {
	logevent(fmt.Sprint("got a connection from ", e.Heap["remote_ip"]), e.Session)
	e.Heap["client"].(*wheel.ReadWrite).Put("* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION STARTTLS] IMAP Relay v0.1 ready.\r\n")
	return nil
}

func sendStuff(e *kernel.Event) any {
	stuff := e.Args[0].([]byte)
	logevent("-> "+strconv.Itoa(len(stuff))+" Bytes", e.Session)
	if client, ok := e.Heap["client"].(*wheel.ReadWrite); ok {
		client.Put(stuff)
	}
	return nil
}

// clientError is not in the seed: it logs a connection's first real
// error (a failed TLS handshake, plain text on the TLS port) once.
func clientError(e *kernel.Event) any {
	if e.Heap["got_an_error"] != nil {
		return nil
	}
	if num, _ := e.Args[1].(int); num != 0 {
		fmt.Fprintf(os.Stderr, "imap-relay: session %d: %v error: %v\n", e.Session.ID(), e.Args[0], e.Args[2])
	}
	return nil
}

func handleInput(e *kernel.Event) any {
	heap := e.Heap
	input := e.Args[0].([]byte)
	client := heap["client"].(*wheel.ReadWrite)
	if n, _ := heap["forwarding"].(int); n > 0 {
		id, ok := heap["client_id"].(int)
		if !ok {
			e.Kernel.Yield("shutdown")
			return nil
		}
		_ = e.Kernel.Post(id, "send_stuff", input)
	} else if m := reStartTLS.FindSubmatch(input); m != nil {
		client.Put(string(m[1]) + " OK Begin SSL/TLS negotiation now.\r\n")
		logevent("SSLing now...", e.Session)
		client.SetFilter(sslProto.Clone())
	} else if m := reCapability.FindSubmatch(input); m != nil {
		client.Put("* CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION STARTTLS\r\n")
		client.Put(string(m[1]) + " OK CAPABILITY completed\r\n")
	} else if m := reLogin.FindSubmatch(input); m != nil {
		username := string(m[2])
		_ = string(m[3]) // the password, unused as in the seed
		logevent("login of user "+username, e.Session)
		heap["client_id"] = spawnClientSide(e, username, input)
		heap["forwarding"] = 1
	} else {
		logevent("unknown command before login, disconnecting.", e.Session)
		e.Kernel.Yield("shutdown")
	}
	return nil
}

// spawnClientSide connects to the user's IMAP server and returns the
// client session's ID (the seed's _child handler learns it).
func spawnClientSide(e *kernel.Event, username string, input []byte) any {
	server := usernameToImapServer[username]
	if server == "" {
		server = defaultImapServer
	}
	host, port, _ := splitAddr(server) // checked in main and userFlag.Set
	c, err := tcpclient.New(tcpclient.Options{
		Kernel:        e.Kernel, // the handler's session is the parent, in Parallel mode too
		RemoteAddress: host,
		RemotePort:    port,
		Filter:        filter.NewStream(),
		Started: func(e *kernel.Event) any {
			e.Heap["server_id"] = e.Sender.ID()
			e.Heap["buf"] = e.Args[0]
			e.Heap["skip"] = 0
			return nil
		},
		Connected: func(e *kernel.Event) any {
			logevent("client connected", e.Session)
			e.Heap["server"].(*wheel.ReadWrite).Put(e.Heap["buf"])
			delete(e.Heap, "buf")
			return nil
		},
		ServerInput: func(e *kernel.Event) any {
			input := e.Args[0].([]byte)
			if skip := e.Heap["skip"].(int); skip == 0 {
				// The seed drops the whole first input, taking it for
				// the greeting; but the answer to LOGIN may come in
				// the same read. Drop the greeting line only.
				i := bytes.IndexByte(input, '\n')
				if i < 0 {
					return nil // more greeting to come
				}
				e.Heap["skip"] = 1
				if input = input[i+1:]; len(input) == 0 {
					return nil
				}
			}
			_ = e.Kernel.Post(e.Heap["server_id"], "send_stuff", input)
			return nil
		},
		Disconnected: func(e *kernel.Event) any {
			logevent("client disconnected", e.Session)
			_ = e.Kernel.Post(e.Heap["server_id"], "shutdown")
			return nil
		},
		InlineStates: kernel.States{
			"send_stuff": func(e *kernel.Event) any {
				stuff := e.Args[0].([]byte)
				logevent("<- "+strconv.Itoa(len(stuff))+" Bytes", e.Session)
				if server, ok := e.Heap["server"].(*wheel.ReadWrite); ok {
					server.Put(stuff)
				}
				return nil
			},
		},
		Args: []any{input},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "imap-relay:", err)
		return nil
	}
	return c.SessionID()
}

func logevent(state string, session *kernel.Session, arg ...any) {
	fmt.Printf("session %d %s ", session.ID(), state)
	if len(arg) > 0 {
		fmt.Printf(": %v", arg[0])
	}
	fmt.Print("\n")
}
