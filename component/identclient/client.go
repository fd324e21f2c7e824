package identclient

import (
	"fmt"
	"net"
	"time"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
)

// Events a Client sends to the session that posted a query.
const (
	// ClientReplyEvent gets (*Ref, opsys, userid, charset).
	ClientReplyEvent = "ident_client_reply"
	// ClientErrorEvent gets (*Ref, token, err), as AgentErrorEvent.
	ClientErrorEvent = "ident_client_error"
)

// refTag is the tag of the references a Client holds on its requesters
// and on itself.
const refTag = "identclient"

// Options are POE::Component::Client::Ident's spawn arguments.
type Options struct {
	// Alias names the component's session. Without one, the component
	// keeps itself alive until its shutdown event.
	Alias string
	// Kernel is the kernel to run in (nil: as in session.Options).
	Kernel *kernel.Kernel
}

// Client is POE::Component::Client::Ident: a session that takes query
// events and runs one Agent for each.
type Client struct {
	id    int
	k     *kernel.Kernel // the component session's view
	alias string
	// agents maps each live agent's session ID to the session that
	// posted its query.
	agents map[int]*pending
	closed bool
}

type pending struct {
	agent     *Agent
	requester int
	user      any // the requester's own Reference
}

// Spawn starts the component. Call it from a handler, or before the
// kernel runs on the goroutine that will run it. It fails when Alias is
// taken.
func Spawn(opts Options) (*Client, error) {
	c := &Client{alias: opts.Alias, agents: map[int]*pending{}}
	var startErr error
	_, err := session.Create(session.Options{Kernel: opts.Kernel, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			c.id = e.Session.ID()
			c.k = e.Kernel
			if c.alias != "" {
				startErr = e.Kernel.AliasSet(c.alias)
				return nil
			}
			_, startErr = e.Kernel.RefcountIncrement(c.id, refTag)
			return nil
		},
		"query":         c.query,
		AgentReplyEvent: c.agentEvent(ClientReplyEvent),
		AgentErrorEvent: c.agentEvent(ClientErrorEvent),
		"shutdown":      c.shutdown,
		"_child":        func(*kernel.Event) any { return nil },
	}})
	if err != nil {
		return nil, err
	}
	if startErr != nil {
		// Nothing keeps the session: it ends with this batch.
		return nil, fmt.Errorf("identclient: alias %q: %w", c.alias, startErr)
	}
	return c, nil
}

// SessionID returns the component's session ID. Any goroutine may call
// it.
func (c *Client) SessionID() int { return c.id }

// Shutdown is the shutdown event, called: pending agents end without
// events. Call it from a handler of the component's kernel.
func (c *Client) Shutdown() {
	_, _ = c.k.Call(c.id, "shutdown")
}

// query spawns an agent for the query in e.Args: an AgentOptions,
// *AgentOptions, or POE-style name/value pairs ("PeerAddr", "10.0.0.1",
// "PeerPort", 2345, ...). A query that names no connection gets
// ClientErrorEvent at once, where the original croaks.
func (c *Client) query(e *kernel.Event) any {
	opts, err := queryArgs(e.Args)
	requester := e.Sender.ID()
	if err == nil && c.closed {
		err = fmt.Errorf("%w: the component is shut down", ErrQuery)
	}
	if err == nil {
		opts, err = opts.withDefaults()
	}
	if err != nil {
		ref := &Ref{PeerAddr: opts.PeerAddr, PeerPort: opts.PeerPort,
			SockAddr: opts.SockAddr, SockPort: opts.SockPort, Reference: opts.Reference}
		_ = e.Kernel.Post(requester, ClientErrorEvent, ref, UnknownError, err)
		return nil
	}
	p := &pending{requester: requester, user: opts.Reference}
	opts.Kernel = e.Kernel
	opts.Reference = p
	a, err := SpawnAgent(opts)
	if err != nil {
		_ = e.Kernel.Post(requester, ClientErrorEvent, &Ref{PeerAddr: opts.PeerAddr,
			PeerPort: opts.PeerPort, SockAddr: opts.SockAddr, SockPort: opts.SockPort,
			Reference: p.user}, UnknownError, err)
		return nil
	}
	p.agent = a
	c.agents[a.SessionID()] = p
	// The requester lives until it has its answer, as in the original.
	_, _ = e.Kernel.RefcountIncrement(requester, refTag)
	return nil
}

// agentEvent forwards an agent's event to the requester under the
// client's event name.
func (c *Client) agentEvent(out string) kernel.Handler {
	return func(e *kernel.Event) any {
		ref, ok := e.Arg(0).(*Ref)
		if !ok {
			return nil
		}
		p, ok := ref.Reference.(*pending)
		if !ok || c.agents[p.agent.SessionID()] != p {
			return nil
		}
		delete(c.agents, p.agent.SessionID())
		r := *ref
		r.Reference = p.user
		_ = e.Kernel.Post(p.requester, out, append([]any{&r}, e.Args[1:]...)...)
		_, _ = e.Kernel.RefcountDecrement(p.requester, refTag)
		return nil
	}
}

func (c *Client) shutdown(e *kernel.Event) any {
	if c.closed {
		return nil
	}
	c.closed = true
	for id, p := range c.agents {
		_, _ = e.Kernel.Call(id, "shutdown")
		// The original keeps these references for ever.
		_, _ = e.Kernel.RefcountDecrement(p.requester, refTag)
		delete(c.agents, id)
	}
	for _, a := range e.Kernel.AliasList() {
		_ = e.Kernel.AliasRemove(a)
	}
	if c.alias == "" {
		_, _ = e.Kernel.RefcountDecrement(c.id, refTag)
	}
	return nil
}

// queryArgs reads a query event's arguments.
func queryArgs(args []any) (AgentOptions, error) {
	if len(args) == 1 {
		switch v := args[0].(type) {
		case AgentOptions:
			return v, nil
		case *AgentOptions:
			if v != nil {
				return *v, nil
			}
		}
	}
	var o AgentOptions
	if len(args)%2 != 0 {
		return o, fmt.Errorf("%w: arguments are not name/value pairs", ErrQuery)
	}
	for i := 0; i < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			return o, fmt.Errorf("%w: argument name %v is not a string", ErrQuery, args[i])
		}
		v := args[i+1]
		var bad bool
		switch name {
		case "PeerAddr":
			o.PeerAddr, bad = str(v)
		case "SockAddr":
			o.SockAddr, bad = str(v)
		case "PeerPort":
			o.PeerPort, bad = num(v)
		case "SockPort":
			o.SockPort, bad = num(v)
		case "IdentPort":
			o.IdentPort, bad = num(v)
		case "Socket":
			o.Socket, ok = v.(net.Conn)
			bad = !ok
		case "BuggyIdentd":
			n, isNum := v.(int)
			b, isBool := v.(bool)
			o.BuggyIdentd, bad = b || (isNum && n == 1), !isNum && !isBool
		case "TimeOut":
			switch t := v.(type) {
			case time.Duration:
				o.TimeOut = t
			case int:
				o.TimeOut = time.Duration(t) * time.Second // POE: seconds
			default:
				bad = true
			}
		case "Reference":
			o.Reference = v
		default:
			return o, fmt.Errorf("%w: unknown argument %q", ErrQuery, name)
		}
		if bad {
			return o, fmt.Errorf("%w: %s of type %T", ErrQuery, name, v)
		}
	}
	return o, nil
}

func str(v any) (string, bool) {
	s, ok := v.(string)
	return s, !ok
}

func num(v any) (int, bool) {
	n, ok := v.(int)
	return n, !ok
}
