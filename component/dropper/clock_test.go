package dropper

import (
	"net/netip"
	"sync"
	"time"
)

// fakeClock is an injected clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// base is a second boundary plus a fraction, so tests see that counting is
// by whole Unix seconds.
var base = time.Unix(1_700_000_000, 300_000_000)

func newClock() *fakeClock { return &fakeClock{t: base} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

const (
	register = "REGISTER sip:example.com SIP/2.0\r\nCSeq: 1 REGISTER\r\n\r\n"
	invite   = "INVITE sip:bob@example.com SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n"
	ok200    = "SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n"
	garbage  = "\x00\x01garbage"
	conn     = "<conn>" // a step that calls RunConn instead of Run
)
