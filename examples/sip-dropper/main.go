package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/seed02617006/poe/component/dropper"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// config is what the flags set.
type config struct {
	addr     netip.AddrPort
	db       string
	methods  []string
	attempts int
	interval time.Duration
	save     time.Duration
	drop     bool
}

// parseFlags reads the command line into a config.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("sip-dropper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:5060", "UDP address to listen on (an IP literal and a port; port 0 picks one)")
	db := fs.String("db", "sip-dropper.drop", "the dropper's database file (\"\": in memory only)")
	methods := fs.String("methods", "REGISTER,INVITE,SUBSCRIBE,OPTIONS,", "comma-separated methods that count; an empty item counts responses; \"\" counts every packet")
	attempts := fs.Int("attempts", 10, "attempts within -interval after which a peer is dropped")
	interval := fs.Duration("interval", 60*time.Second, "how long an attempt counts")
	save := fs.Duration("save", 5*time.Second, "how often the database is saved")
	drop := fs.Bool("drop", true, "run the dropper (false: answer everything, to compare)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil {
		return config{}, fmt.Errorf("-addr: %w", err)
	}
	if *save <= 0 {
		return config{}, fmt.Errorf("-save must be positive, got %v", *save)
	}
	c := config{addr: ap, db: *db, attempts: *attempts, interval: *interval, save: *save, drop: *drop}
	if *methods != "" {
		c.methods = strings.Split(*methods, ",")
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sip-dropper:", err)
		os.Exit(2)
	}
	logger := log.New(os.Stderr, "sip-dropper: ", log.LstdFlags|log.Lmicroseconds)
	srv, err := newServer(cfg, logger)
	if err == nil {
		err = srv.run(kernel.Default())
	}
	if err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

// server is the program's state, shared by its one session's handlers.
type server struct {
	cfg  config
	log  *log.Logger
	drop *dropper.ByIPPort // nil with -drop=false

	// ready, if set, is called with the bound address once listening.
	ready func(netip.AddrPort)
	err   error // why the session could not start

	answered, dropped atomic.Int64
}

// newServer makes the dropper, loading or creating the database.
func newServer(cfg config, logger *log.Logger) (*server, error) {
	s := &server{cfg: cfg, log: logger}
	if !cfg.drop {
		return s, nil
	}
	d, err := dropper.NewByIPPort(dropper.ByIPPortOptions{
		Database: cfg.db,
		Methods:  cfg.methods,
		Attempts: cfg.attempts,
		Interval: cfg.interval,
	})
	if err != nil {
		return nil, err
	}
	s.drop = d
	return s, nil
}

// run creates the responder's session in k and runs k until it stops.
func (s *server) run(k *kernel.Kernel) error {
	_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start":     s.start,
		"got_packet": s.gotPacket,
		"got_drop":   s.gotDrop,
		"got_error":  s.gotError,
		"save_db":    s.saveDB,
		"shutdown":   s.shutdown,
		"_stop":      s.stop,
	}})
	if err != nil {
		return err
	}
	if err := k.Run(); err != nil {
		return err
	}
	return s.err
}

func (s *server) start(e *kernel.Event) any {
	opts := wheel.UDPOptions{
		LocalAddr:  s.cfg.addr.Addr().String(),
		LocalPort:  int(s.cfg.addr.Port()),
		InputEvent: "got_packet",
		ErrorEvent: "got_error",
	}
	if s.drop != nil {
		// The wheel's reader asks the dropper first, as Net::SIP's
		// ReceiveChain asks Net::SIP::Dropper: a dropped datagram never
		// becomes an InputEvent.
		opts.Drop = func(from netip.AddrPort, payload []byte) bool { return s.drop.Run(payload, from) }
		opts.DropEvent = "got_drop"
	}
	u, err := wheel.NewUDP(e.Kernel, opts)
	if err != nil {
		s.err = err
		return nil // with nothing to watch, the session stops
	}
	e.Heap["udp"] = u
	e.Kernel.Sig("INT", "shutdown")
	e.Kernel.Sig("TERM", "shutdown")
	e.Kernel.Delay("save_db", s.cfg.save)
	addr, port := u.Getsockname()
	bound := netip.AddrPortFrom(netip.MustParseAddr(addr), uint16(port))
	db := s.cfg.db
	if s.drop == nil {
		db = "off"
	}
	s.log.Printf("listening on %s (dropper database %s)", bound, db)
	if s.ready != nil {
		s.ready(bound)
	}
	return nil
}

// gotPacket answers one datagram that the dropper let through.
func (s *server) gotPacket(e *kernel.Event) any {
	d := e.Args[0].(wheel.Datagram)
	from, err := netip.ParseAddr(d.Addr)
	if err != nil {
		return nil
	}
	r, ok := respond(d.Payload, netip.AddrPortFrom(from, uint16(d.Port)), newTag)
	if !ok {
		return nil
	}
	u := e.Heap["udp"].(*wheel.UDP)
	if _, err := u.Put(wheel.Datagram{Payload: r.payload, Addr: r.to.Addr().String(), Port: int(r.to.Port())}); err != nil {
		s.log.Printf("%d to %s %s: %v", r.code, r.method, r.to, err)
		return nil
	}
	s.answered.Add(1)
	return nil
}

// gotDrop logs a datagram the dropper refused: ARG0 address, ARG1 port.
func (s *server) gotDrop(e *kernel.Event) any {
	s.dropped.Add(1)
	s.log.Printf("dropped packet from %s", netip.AddrPortFrom(netip.MustParseAddr(e.Args[0].(string)), uint16(e.Args[1].(int))))
	return nil
}

// gotError logs a failed read; the wheel goes on reading.
func (s *server) gotError(e *kernel.Event) any {
	s.log.Printf("%s error %d: %s", e.Args[0], e.Args[1], e.Args[2])
	return nil
}

func (s *server) saveDB(e *kernel.Event) any {
	s.save()
	e.Kernel.Delay("save_db", s.cfg.save)
	return nil
}

func (s *server) save() {
	if s.drop == nil {
		return
	}
	if err := s.drop.SaveDB(); err != nil {
		s.log.Print(err)
	}
}

// shutdown handles INT and TERM: save the table, then stop.
func (s *server) shutdown(e *kernel.Event) any {
	s.log.Printf("caught SIG%s: saving the database and stopping", e.Args[0])
	e.Kernel.SigHandled()
	s.save()
	e.Kernel.Stop()
	return nil
}

func (s *server) stop(e *kernel.Event) any {
	s.log.Printf("stopped: %d answered, %d dropped", s.answered.Load(), s.dropped.Load())
	return nil
}

// newTag returns a To tag: random, as RFC 3261 section 19.3 asks, and
// not secret.
func newTag() string {
	return strconv.FormatUint(rand.Uint64(), 36)
}
