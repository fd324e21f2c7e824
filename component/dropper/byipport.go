package dropper

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sync"
	"time"
)

// Errors returned by this package. Each is wrapped with %w and details.
var (
	// ErrConfig reports invalid ByIPPortOptions, such as a missing Attempts
	// or Interval.
	ErrConfig = errors.New("dropper: invalid options")
	// ErrCorrupt reports a database that cannot be loaded: unreadable
	// syntax, an unknown format or version, an invalid entry, or a file
	// larger than the limit for MaxEntries.
	ErrCorrupt = errors.New("dropper: corrupt database")
	// ErrEntry reports an invalid Key or count given to Set, or found in a
	// table returned by a Load callback.
	ErrEntry = errors.New("dropper: invalid entry")
	// ErrNotSIP reports a packet whose first line is neither a SIP
	// Request-Line nor a Status-Line.
	ErrNotSIP = errors.New("dropper: not a SIP message")
)

const (
	// DefaultMaxEntries is the MaxEntries used when ByIPPortOptions leaves
	// it zero.
	DefaultMaxEntries = 1 << 18
	// maxMaxEntries keeps the per-peer sums of int32-bounded counts far
	// from overflowing an int64.
	maxMaxEntries = 1 << 30
	// MaxCount is the largest count one Key can hold. Counting saturates
	// there instead of wrapping.
	MaxCount = math.MaxInt32
)

// Key identifies one counter of the table: the attempts seen from IP and
// Port during one second, Time, in Unix seconds. It is Net::SIP's
// $data{ip}{port}{time}. Port 0 stands for every port of IP.
//
// IP never holds an IPv4-mapped IPv6 address or a zone: Run, RunConn, Set
// and loading store the address unmapped and without its zone, so that a
// peer is one peer whatever socket it reached.
type Key struct {
	IP   netip.Addr
	Port int
	Time int64
}

// Table is a copy of the attempt counts, by Key. Counts are from 1 to
// MaxCount.
type Table map[Key]int

// ByIPPortOptions configures NewByIPPort. The field names are the
// arguments of Net::SIP::Dropper::ByIPPort->new.
type ByIPPortOptions struct {
	// Database is the path of the file that keeps the table across
	// restarts. NewByIPPort loads it, or creates it holding an empty table
	// when it does not exist. "" with no Load or Save keeps the table in
	// memory only. It may not be combined with Load or Save.
	Database string
	// Load, when set, returns the table to start with. It is called once,
	// by NewByIPPort. It stands for the original's database callback
	// called without the save flag.
	Load func() (Table, error)
	// Save, when set, is called by SaveDB with a copy of the table. It
	// stands for the original's database callback called with the save
	// flag.
	Save func(Table) error
	// Methods restricts counting (and dropping) to requests with these
	// methods (case-sensitive, as SIP methods are); the empty name ""
	// stands for every response. Packets of other methods, and packets
	// that are not SIP, are neither counted nor dropped. Empty: every
	// packet counts, whatever it holds.
	Methods []string
	// Attempts is how many attempts within Interval make a peer dropped:
	// the packet that brings the count to Attempts is the first dropped.
	// Required, positive.
	Attempts int
	// Interval is how long an attempt counts. Attempts are counted per
	// whole second, as the original's time() does, and a second T stops
	// counting at T + Interval rounded up to a whole second. Required,
	// positive.
	Interval time.Duration
	// MaxEntries caps the number of counters (Keys) kept, so that a flood
	// from many addresses and ports cannot grow the table without limit.
	// When a new counter would pass the cap, the oldest counter (smallest
	// Time, the one closest to expiry) is forgotten: usually an old one,
	// the new one itself if it is older than all others. Zero means
	// DefaultMaxEntries; at most 1<<30.
	MaxEntries int
	// Now is the clock; nil means time.Now. Tests inject a fake one.
	Now func() time.Time
}

// config is the validated, defaulted form of ByIPPortOptions.
type config struct {
	database    string
	load        func() (Table, error)
	save        func(Table) error
	methods     map[string]struct{} // nil: every packet counts
	responses   bool
	attempts    int64
	intervalSec int64
	maxEntries  int
	now         func() time.Time
}

// withDefaults checks o and fills in its defaults, leaving o untouched.
func (o *ByIPPortOptions) withDefaults() (config, error) {
	c := config{
		database:   o.Database,
		load:       o.Load,
		save:       o.Save,
		attempts:   int64(o.Attempts),
		maxEntries: o.MaxEntries,
		now:        o.Now,
	}
	// The original dies with "attempts should be defined" (or, as it
	// forgets to import croak, with an undefined-subroutine error) for a
	// missing or zero value, and takes a negative one, which then drops
	// every packet. Both are configuration errors here.
	if o.Attempts <= 0 {
		return c, fmt.Errorf("%w: Attempts must be positive, got %d", ErrConfig, o.Attempts)
	}
	if o.Interval <= 0 {
		return c, fmt.Errorf("%w: Interval must be positive, got %v", ErrConfig, o.Interval)
	}
	// Rounding up is what the original's comparison of whole seconds with
	// a fractional interval amounts to.
	c.intervalSec = int64(o.Interval / time.Second)
	if o.Interval%time.Second != 0 {
		c.intervalSec++
	}
	if o.Database != "" && (o.Load != nil || o.Save != nil) {
		return c, fmt.Errorf("%w: Database and Load/Save exclude each other", ErrConfig)
	}
	switch {
	case o.MaxEntries == 0:
		c.maxEntries = DefaultMaxEntries
	case o.MaxEntries < 0 || o.MaxEntries > maxMaxEntries:
		return c, fmt.Errorf("%w: MaxEntries must be from 1 to %d, got %d", ErrConfig, maxMaxEntries, o.MaxEntries)
	}
	if len(o.Methods) > 0 {
		c.methods = make(map[string]struct{}, len(o.Methods))
		for _, m := range o.Methods {
			if m == "" {
				c.responses = true
				continue
			}
			if !isToken(m) {
				return c, fmt.Errorf("%w: method %q is not a SIP token", ErrConfig, m)
			}
			c.methods[m] = struct{}{}
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// ByIPPort decides whether packets from a peer must be dropped because the
// peer sent too many within an interval. It is Net::SIP::Dropper::ByIPPort.
//
// A ByIPPort is safe for concurrent use: a UDP reader and a TCP accept loop
// may share one.
type ByIPPort struct {
	cfg config

	// saveMu orders SaveDB calls, so that the snapshot taken last is the
	// one that ends up in the database.
	saveMu sync.Mutex

	mu sync.Mutex
	tb *table
}

// NewByIPPort returns a ByIPPort configured by opts. It loads the database
// (the file, or the Load callback) and returns its error, wrapping
// ErrCorrupt when the content is invalid: a bad database is never silently
// replaced by an empty one. When Database names a file that does not exist,
// NewByIPPort creates it, as the original does, so an unusable path shows
// at once. It may be called from any goroutine.
func NewByIPPort(opts ByIPPortOptions) (*ByIPPort, error) {
	cfg, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &ByIPPort{cfg: cfg, tb: newTable(cfg.maxEntries)}
	var t Table
	switch {
	case cfg.database != "":
		t, err = loadOrCreateFile(cfg.database, cfg.maxEntries)
		if err != nil {
			return nil, err
		}
	case cfg.load != nil:
		t, err = cfg.load()
		if err != nil {
			return nil, fmt.Errorf("dropper: Load: %w", err)
		}
	}
	for k, n := range t {
		if err := checkEntry(k, n); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		k = normalize(k)
		d.tb.add(peer{k.IP, k.Port}, k.Time, int64(n))
	}
	d.tb.expire(cfg.now().Unix(), cfg.intervalSec)
	d.tb.dirty = false
	return d, nil
}

// Run reports whether packet, received from from, must be dropped. It is
// the original's run: when packet counts (see Methods), it adds one attempt
// for from's IP and port at the current second, then drops the packet when
// the attempts of that IP and port within Interval, plus those recorded for
// port 0 of that IP, reach Attempts. Dropped packets count too, so a peer
// that keeps flooding stays dropped.
//
// A from without a valid address (the zero AddrPort, as a caller may get
// for a transport without IP addresses) is not counted and never dropped.
//
// Run does not write the database; call SaveDB for that. Run may be called
// from any goroutine; it takes the lock only once the packet is known to
// count.
func (d *ByIPPort) Run(packet []byte, from netip.AddrPort) bool {
	if d.cfg.methods != nil && !d.matches(packet) {
		return false
	}
	return d.attempt(from)
}

// RunConn reports whether a connection accepted from from must be dropped,
// counting it as one attempt. It is Run for servers that are not SIP: no
// Methods filter applies.
//
// A TCP client picks a new source port for each connection, so counting by
// (ip, port) seldom adds up there. To limit connections per host, pass port
// 0, netip.AddrPortFrom(addr, 0): attempts counted on port 0 stand for
// every port of the host, in this ByIPPort's decisions for UDP peers of that
// host too. Use a ByIPPort of its own for the accept path when that sharing
// is not wanted. RunConn may be called from any goroutine.
func (d *ByIPPort) RunConn(from netip.AddrPort) bool {
	return d.attempt(from)
}

// matches reports whether packet passes the Methods filter.
func (d *ByIPPort) matches(packet []byte) bool {
	fl, why := parseFirstLine(packet)
	switch {
	case why != "":
		return false
	case fl.code != 0:
		return d.cfg.responses
	default:
		_, ok := d.cfg.methods[string(fl.method)]
		return ok
	}
}

func (d *ByIPPort) attempt(from netip.AddrPort) bool {
	if !from.Addr().IsValid() {
		return false
	}
	p := peer{ip: from.Addr().Unmap().WithZone(""), port: int(from.Port())}
	now := d.cfg.now().Unix()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tb.expire(now, d.cfg.intervalSec)
	count := d.tb.add(p, now, 1)
	// The original adds the port-0 counts even when the packet itself
	// comes from port 0, counting them twice; they count once here.
	if p.port != 0 && d.tb.port0 > 0 {
		count += d.tb.sum(peer{ip: p.ip})
	}
	return count >= d.cfg.attempts
}

// Expire forgets the counters older than Interval, as the original's expire
// does; Run does it too. It may be called from any goroutine.
func (d *ByIPPort) Expire() {
	now := d.cfg.now().Unix()
	d.mu.Lock()
	d.tb.expire(now, d.cfg.intervalSec)
	d.mu.Unlock()
}

// Data returns a copy of the table after expiring old counters. Changing the
// copy changes nothing; use Set. It may be called from any goroutine.
func (d *ByIPPort) Data() Table {
	now := d.cfg.now().Unix()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tb.expire(now, d.cfg.intervalSec)
	return d.tb.snapshot()
}

// Set sets the counter of k to count; a count of 0 removes it. It is how the
// original's users edit data(): a large count at a far-future Time blocks a
// peer until then, and on port 0 it blocks every port of the IP. k.IP is
// stored unmapped and without its zone. Set returns an error wrapping
// ErrEntry for an invalid IP, a port outside 0..65535 or a count outside
// 0..MaxCount. Call SaveDB to persist the change. It may be called from any
// goroutine.
func (d *ByIPPort) Set(k Key, count int) error {
	if count == 0 {
		if err := checkKey(k); err != nil {
			return err
		}
	} else if err := checkEntry(k, count); err != nil {
		return err
	}
	k = normalize(k)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tb.set(peer{k.IP, k.Port}, k.Time, int64(count))
	return nil
}

// Len returns the number of counters held. It may be called from any
// goroutine.
func (d *ByIPPort) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tb.n
}

func checkKey(k Key) error {
	if !k.IP.IsValid() {
		return fmt.Errorf("%w: invalid IP address", ErrEntry)
	}
	if k.Port < 0 || k.Port > math.MaxUint16 {
		return fmt.Errorf("%w: port %d out of range", ErrEntry, k.Port)
	}
	return nil
}

func checkEntry(k Key, count int) error {
	if err := checkKey(k); err != nil {
		return err
	}
	if count < 1 || count > MaxCount {
		return fmt.Errorf("%w: count %d for %v port %d time %d not in 1..%d", ErrEntry, count, k.IP, k.Port, k.Time, MaxCount)
	}
	return nil
}

func normalize(k Key) Key {
	k.IP = k.IP.Unmap().WithZone("")
	return k
}
