package identclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/seed02617006/poe/internal/ident"
)

// DefaultTimeout is how long Lookup and the agents wait for an answer
// when no timeout is given: RFC 1413 §2 asks clients to wait at least 30
// seconds, and it is POE::Component::Client::Ident::Agent's default.
const DefaultTimeout = 30 * time.Second

// DefaultIdentPort is the Identification Protocol's port, 113.
const DefaultIdentPort = 113

// Errors of Lookup and the agents, besides *ErrorReply and the network's
// own errors.
var (
	// ErrMalformed reports a reply that does not follow RFC 1413.
	ErrMalformed = errors.New("identclient: malformed reply")
	// ErrPortMismatch reports a reply about another port pair than the
	// one asked about.
	ErrPortMismatch = errors.New("identclient: reply about another port pair")
	// ErrTooLong reports 1000 characters without an end of line, where
	// RFC 1413 §6 lets a client give up.
	ErrTooLong = errors.New("identclient: reply longer than 1000 characters")
	// ErrNoReply reports a connection closed before a whole reply line.
	// RFC 1413 §5 gives it the meaning of ERROR : UNKNOWN-ERROR.
	ErrNoReply = errors.New("identclient: connection closed without a reply")
	// ErrQuery reports a query that does not name a connection: an
	// address that is not an IP, a port out of 1..65535, a net.Conn that
	// is not TCP.
	ErrQuery = errors.New("identclient: invalid query")
)

// Reply is a USERID answer: RFC 1413's <opsys-field> and identification.
// When OpSys is "OTHER", UserID is not a user name but an identifier of
// the server's choosing.
type Reply struct {
	OpSys   string
	Charset string // "" when the server names none (US-ASCII)
	UserID  string
}

// ErrorReply is an ERROR answer from the identd. Token is what it sent:
// INVALID-PORT, NO-USER, HIDDEN-USER, UNKNOWN-ERROR or an X-token.
type ErrorReply struct {
	Token string
}

func (e *ErrorReply) Error() string { return "identclient: ERROR : " + e.Token }

// Query describes one lookup from the server's point of view: Local is
// this host's end of the connection, Remote the peer's. The identd asked
// is the one at IdentAddr:IdentPort, by default Remote's address and port
// 113; the request is "Remote.Port , Local.Port" and goes out from
// Local's address, so that the identd sees the same pair of hosts as the
// connection. Timeout (default DefaultTimeout) bounds the whole lookup.
type Query struct {
	Local, Remote netip.AddrPort
	IdentAddr     string
	IdentPort     int
	Timeout       time.Duration
}

// withDefaults checks q and fills in the defaults.
func (q Query) withDefaults() (Query, error) {
	q.Local = netip.AddrPortFrom(q.Local.Addr().Unmap(), q.Local.Port())
	q.Remote = netip.AddrPortFrom(q.Remote.Addr().Unmap(), q.Remote.Port())
	if !q.Remote.Addr().IsValid() {
		return q, fmt.Errorf("%w: no remote address", ErrQuery)
	}
	if !ident.ValidPort(int(q.Local.Port())) || !ident.ValidPort(int(q.Remote.Port())) {
		return q, fmt.Errorf("%w: ports %d and %d", ErrQuery, q.Remote.Port(), q.Local.Port())
	}
	if q.IdentAddr == "" {
		q.IdentAddr = q.Remote.Addr().String()
	}
	if q.IdentPort == 0 {
		q.IdentPort = DefaultIdentPort
	}
	if !ident.ValidPort(q.IdentPort) {
		return q, fmt.Errorf("%w: IdentPort %d", ErrQuery, q.IdentPort)
	}
	if q.Timeout < 0 {
		return q, fmt.Errorf("%w: negative Timeout", ErrQuery)
	}
	if q.Timeout == 0 {
		q.Timeout = DefaultTimeout
	}
	return q, nil
}

// Lookup asks the identd on conn's peer who owns conn, as Perl's
// Net::Ident lookup does, and blocks until it answers, timeout passes
// (0: DefaultTimeout) or ctx ends. conn must be a TCP connection. An ERROR
// answer is an *ErrorReply; a broken one ErrMalformed, ErrPortMismatch,
// ErrTooLong or ErrNoReply. Any goroutine may call it.
func Lookup(ctx context.Context, conn net.Conn, timeout time.Duration) (Reply, error) {
	q, err := queryFor(conn, timeout)
	if err != nil {
		return Reply{}, err
	}
	return LookupWith(ctx, q)
}

// queryFor is the Query that asks about conn.
func queryFor(conn net.Conn, timeout time.Duration) (Query, error) {
	local, err1 := addrPort(conn.LocalAddr())
	remote, err2 := addrPort(conn.RemoteAddr())
	if err := errors.Join(err1, err2); err != nil {
		return Query{}, err
	}
	return Query{Local: local, Remote: remote, Timeout: timeout}, nil
}

func addrPort(a net.Addr) (netip.AddrPort, error) {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort(), nil
	}
	return netip.AddrPort{}, fmt.Errorf("%w: %v is not a TCP address", ErrQuery, a)
}

// LookupWith is Lookup with every detail of the query given. Any
// goroutine may call it.
func LookupWith(ctx context.Context, q Query) (Reply, error) {
	q, err := q.withDefaults()
	if err != nil {
		return Reply{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, q.Timeout)
	defer cancel()
	d := net.Dialer{}
	if a := q.Local.Addr(); a.IsValid() && !a.IsUnspecified() {
		d.LocalAddr = &net.TCPAddr{IP: a.AsSlice(), Zone: a.Zone()}
	}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(q.IdentAddr, strconv.Itoa(q.IdentPort)))
	if err != nil {
		return Reply{}, err
	}
	defer c.Close()
	// The deadline bounds the exchange; closing on ctx's end covers a
	// cancel before the deadline.
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	p1, p2 := int(q.Remote.Port()), int(q.Local.Port())
	if _, err := io.WriteString(c, ident.FormatRequest(p1, p2)+"\r\n"); err != nil {
		return Reply{}, ctxErr(ctx, err)
	}
	line, err := readLine(c)
	if err != nil {
		return Reply{}, ctxErr(ctx, err)
	}
	return interpret(line, p1, p2)
}

// ctxErr prefers the context's reason to the deadline error it caused.
func ctxErr(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		// The socket's deadline is the context's, and may pass first.
		cerr = context.DeadlineExceeded
	}
	if cerr != nil {
		return fmt.Errorf("identclient: %w (%v)", cerr, err)
	}
	return err
}

// readLine reads one reply line ending in LF (a CR before it is the
// parser's business), at most ident.MaxLine characters and the CR LF.
func readLine(r io.Reader) (string, error) {
	buf := make([]byte, 0, 128)
	chunk := make([]byte, 512)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			if i > ident.MaxLine+1 {
				return "", ErrTooLong
			}
			return string(buf[:i]), nil
		}
		if len(buf) > ident.MaxLine+1 {
			return "", ErrTooLong
		}
		if err == io.EOF {
			return "", ErrNoReply
		}
		if err != nil {
			return "", err
		}
	}
}

// interpret turns a reply line about the pair p1, p2 into a Reply or an
// error.
func interpret(line string, p1, p2 int) (Reply, error) {
	r, err := ident.ParseReply(line)
	switch {
	case errors.Is(err, ident.ErrTooLong):
		return Reply{}, ErrTooLong
	case err != nil:
		return Reply{}, fmt.Errorf("%w: %q", ErrMalformed, truncate(line))
	case r.Port1 != p1 || r.Port2 != p2:
		return Reply{}, fmt.Errorf("%w: asked about %d , %d, told about %d , %d", ErrPortMismatch, p1, p2, r.Port1, r.Port2)
	case r.Error != "":
		return Reply{}, &ErrorReply{Token: r.Error}
	}
	return Reply{OpSys: r.OpSys, Charset: r.Charset, UserID: r.UserID}, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
