// Command secure-daytime is the tutorial's "Security" case study as a POE
// program: a daytime server that answers only the clients its allow table
// lets in, by the client's network and, through ident, its user.
//
// The Perl original stores each network of %allow with Net::Netmask's
// storeNetblock, accepts connections in a select loop, and for each one
// calls check_user: the client's address must fall in a stored block
// (fetchNetblock, the most specific one); the block's rules then say
// whether the user Net::Ident reports is allowed, or, failing a rule for
// that user, whether anyone ('*') is. An allowed client is sent the local
// time; every client is then disconnected. Here component/tcpserver
// accepts, the table is a netmask.Table, and check_user runs in each
// connection's session.
//
// The ident lookup (Net::Ident::lookup) is an identclient Agent: it asks
// the identd on the client's host (port -identport, 113 by default) who
// owns the connection, and the answer comes back as ident_agent_reply or
// ident_agent_error. When the lookup fails the user is unknown, so only
// '*' rules apply and a network whose rules name users only is denied. As
// the tutorial warns, ident answers come from the client's own machine
// and cannot be trusted anyway.
// Proc::Daemon::init (detaching from the terminal) is left to the
// service manager.
//
// -allow 'NETWORK=user:1,*:0' adds a network and its rules (1 allows,
// 0 denies); it may be repeated. Without it the table is the tutorial's:
//
//	127.0.0.0/24    *:1
//	214.123.1.0/24  tchrist:0, *:1
//	192.168.1.0/24  gbarr:1
//
// It listens on 127.0.0.1 at the daytime port (13) by default, which
// needs root; -addr 127.0.0.1:0 lets the system choose a port. The
// address it listens on is printed on standard error.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/seed02617006/poe/component/identclient"
	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/netmask"
	"github.com/seed02617006/poe/wheel"
)

// rules are one network's entry in %allow: user name ('*' for anyone) to
// whether that user may connect.
type rules map[string]bool

// allow is the end of check_user, once the user is known ("" when
// unknown): the user's own rule, else the rule for anyone, else no.
func (r rules) allow(user string) bool {
	if ok, found := r[user]; found {
		return ok // return $allow->{$user} if exists $allow->{$user}
	}
	return r["*"] // return $allow->{'*'} if exists ...; return 0
}

// allowTable is %allow with the blocks stored for fetchNetblock. Rules
// are keyed by the block's desc, as $allow{ $netblock->desc }.
type allowTable struct {
	blocks netmask.Table
	rules  map[string]rules
}

// add stores one "NETWORK=user:0|1,..." entry.
func (a *allowTable) add(entry string) error {
	network, list, ok := strings.Cut(entry, "=")
	if !ok {
		return fmt.Errorf("%q: want NETWORK=user:0|1 with more rules after commas", entry)
	}
	nm, err := netmask.New2(strings.TrimSpace(network))
	if err != nil {
		return err
	}
	r := rules{}
	for _, rule := range strings.Split(list, ",") {
		user, allowed, ok := strings.Cut(strings.TrimSpace(rule), ":")
		if !ok || user == "" || (allowed != "0" && allowed != "1") {
			return fmt.Errorf("%q: rule %q is not user:0 or user:1", entry, rule)
		}
		r[user] = allowed == "1"
	}
	if a.rules == nil {
		a.rules = map[string]rules{}
	}
	a.blocks.Store(nm) // Net::Netmask->new($mask)->storeNetblock
	a.rules[nm.String()] = r
	return nil
}

// The tutorial's %allow.
var defaultAllow = []string{
	"127.0.0.0/24=*:1",
	"214.123.1.0/24=tchrist:0,*:1",
	"192.168.1.0/24=gbarr:1",
}

// allowFlag collects -allow entries.
type allowFlag []string

func (f *allowFlag) String() string     { return strings.Join(*f, " ") }
func (f *allowFlag) Set(v string) error { *f = append(*f, v); return nil }

// identPort is where the clients' identd listens.
var identPort = flag.Int("identport", 113, "port of the clients' identd (RFC 1413's is 113)")

// lookupUser is Net::Ident::lookup($client): an ident query about the
// connection of the session e is for; its answer comes back to that
// session as ident_agent_reply or ident_agent_error.
func lookupUser(e *kernel.Event) error {
	conn, ok := e.Heap["client"].(*wheel.ReadWrite).GetInputHandle().(net.Conn)
	if !ok {
		return fmt.Errorf("secure-daytime: the client is not a network connection")
	}
	_, err := identclient.SpawnAgent(identclient.AgentOptions{
		Kernel:    e.Kernel,
		Socket:    conn,
		IdentPort: *identPort,
		TimeOut:   10 * time.Second,
	})
	return err
}

// localtime is Perl's scalar localtime: "Thu Sep  9 14:03:05 2025".
func localtime() string { return time.Now().Format("Mon Jan _2 15:04:05 2006") }

func main() {
	addr := flag.String("addr", "127.0.0.1:13", "address and port to listen on (the daytime port is 13)")
	var entries allowFlag
	flag.Var(&entries, "allow", "NETWORK=user:0|1,... allow rules for a network; repeat for more (default: the tutorial's table)")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "secure-daytime: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	if len(entries) == 0 {
		entries = defaultAllow
	}
	var allow allowTable
	for _, entry := range entries {
		if err := allow.add(entry); err != nil {
			fmt.Fprintf(os.Stderr, "secure-daytime: -allow %v\n", err)
			os.Exit(2)
		}
	}
	status := 0

	_, err = tcpserver.New(tcpserver.Options{
		Address:      host,
		Port:         port, // LocalPort => 'daytime', Listen => SOMAXCONN, Reuse => 1
		ClientFilter: filter.NewLine(filter.LineOptions{Literal: "\n"}),
		Started: func(e *kernel.Event) any {
			if l, ok := e.Heap["listener"].(*wheel.SocketFactory); ok {
				a, p := l.Getsockname()
				fmt.Fprintf(os.Stderr, "secure-daytime: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
			}
			return nil
		},
		Error: func(e *kernel.Event) any {
			fmt.Fprintf(os.Stderr, "secure-daytime: %v: %v\n", e.Args[0], e.Args[2])
			status = 1
			e.Heap.Delete("listener")
			return nil
		},
		// check_user($client)
		ClientConnected: func(e *kernel.Event) any {
			block := allow.blocks.Fetch(e.Heap["remote_ip"].(string)) // fetchNetblock($peer)
			if block == nil {
				e.Kernel.Yield("shutdown") // return 0 unless ref $netblock
				return nil
			}
			e.Heap["rules"] = allow.rules[block.String()] // $allow{ $netblock->desc }
			if err := lookupUser(e); err != nil {         // my $user = lookup($client)
				e.Kernel.Yield("got_user", "")
			}
			return nil
		},
		ClientInput: func(*kernel.Event) any { return nil },
		InlineStates: kernel.States{
			identclient.AgentReplyEvent: func(e *kernel.Event) any {
				e.Kernel.Yield("got_user", e.Args[2]) // ARG2 is the userid
				return nil
			},
			identclient.AgentErrorEvent: func(e *kernel.Event) any {
				e.Kernel.Yield("got_user", "")
				return nil
			},
			"got_user": func(e *kernel.Event) any {
				user, _ := e.Args[0].(string)
				if e.Heap["rules"].(rules).allow(user) {
					e.Heap["client"].(*wheel.ReadWrite).Put(localtime())
				}
				e.Kernel.Yield("shutdown") // close($client)
				return nil
			},
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "secure-daytime:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "secure-daytime:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
