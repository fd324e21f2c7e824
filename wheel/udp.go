package wheel

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/seed02617006/poe/kernel"
)

// UDPOptions are POE::Wheel::UDP's parameters. Addresses are IP literals:
// like POE::Wheel::UDP, the wheel resolves no names.
type UDPOptions struct {
	// LocalAddr and LocalPort are bound. LocalAddr defaults to 127.0.0.1
	// (::1 when PeerAddr is IPv6); LocalPort 0 lets the system choose.
	LocalAddr string
	LocalPort int
	// PeerAddr and PeerPort connect the socket: datagrams go there by
	// default, and datagrams from anyone else are not received.
	PeerAddr string
	PeerPort int
	// DefaultAddr and DefaultPort are where datagrams without an address
	// go, on a socket that is not connected.
	DefaultAddr string
	DefaultPort int

	// InputEvent gets (Datagram, wheelID) for each datagram received.
	// Empty: the wheel does not read, and, as in POE, does not keep the
	// session alive.
	InputEvent string
	// ErrorEvent gets ("read", errnum, errstr, wheelID) for a failed
	// read, such as ECONNREFUSED on a connected socket whose peer has no
	// listener. The wheel goes on reading.
	ErrorEvent string

	// Drop, if set, sees each datagram in the wheel's goroutine before
	// the session does; when it returns true the datagram is dropped
	// there, so a flood costs the session nothing (see
	// component/dropper). It must be safe to call from that goroutine,
	// and must not keep payload, which is reused.
	Drop func(from netip.AddrPort, payload []byte) bool
	// DropEvent, if set, gets (addr, port, wheelID) for each dropped
	// datagram.
	DropEvent string
}

// Datagram is a datagram received or to send: POE::Wheel::UDP's
// {payload, addr, port} record.
type Datagram struct {
	Payload []byte
	Addr    string
	Port    int
}

// udpAhead bounds the datagrams (and drop and error reports) read but not
// yet handled by the session; past it the reader waits and the system's
// socket buffer takes the excess, dropping what it cannot hold as UDP
// does.
const udpAhead = 4

// UDP is POE::Wheel::UDP: a datagram socket whose datagrams reach the
// session with their sender, and which sends datagrams to any peer.
//
// All methods are for the handlers of the session that made the wheel;
// Close may also be called after the kernel has stopped.
type UDP struct {
	id        int
	o         owner
	opts      UDPOptions
	conn      *net.UDPConn
	connected bool
	dflt      netip.AddrPort

	closed atomic.Bool
	done   chan struct{}
	slots  chan struct{}
	wg     sync.WaitGroup
}

type udpKind uint8

const (
	udpInput udpKind = iota
	udpDrop
	udpError
)

type udpNotice struct {
	u    *UDP
	kind udpKind
	d    Datagram
	err  error
}

func (n *udpNotice) deliver() {
	u := n.u
	u.slots <- struct{}{}
	if u.closed.Load() {
		return
	}
	switch n.kind {
	case udpInput:
		u.o.call(u.opts.InputEvent, n.d, u.id)
	case udpDrop:
		u.o.call(u.opts.DropEvent, n.d.Addr, n.d.Port, u.id)
	case udpError:
		num, str := Errno(n.err)
		u.o.call(u.opts.ErrorEvent, "read", num, str, u.id)
	}
}

// NewUDP makes a UDP wheel owned by the session whose handler calls it (k
// is e.Kernel). The socket is bound (and connected) at once; a failure is
// returned as an error, as POE::Wheel::UDP dies.
func NewUDP(k *kernel.Kernel, opts UDPOptions) (*UDP, error) {
	cfg, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	laddr, raddr, dflt := cfg.local, cfg.peer, cfg.dflt
	own, err := bind(k)
	if err != nil {
		return nil, err
	}
	var conn *net.UDPConn
	if raddr.IsValid() {
		conn, err = net.DialUDP("udp", net.UDPAddrFromAddrPort(laddr), net.UDPAddrFromAddrPort(raddr))
	} else {
		conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(laddr))
	}
	if err != nil {
		return nil, fmt.Errorf("wheel: UDP %s: %w", laddr, err)
	}
	u := &UDP{
		id: NewID(), o: own, opts: opts, conn: conn, connected: raddr.IsValid(), dflt: dflt,
		done:  make(chan struct{}),
		slots: make(chan struct{}, udpAhead),
	}
	if opts.InputEvent != "" {
		if err := u.o.hold(u); err != nil {
			_ = conn.Close()
			return nil, err
		}
		for range udpAhead {
			u.slots <- struct{}{}
		}
		u.wg.Add(1)
		go u.readLoop()
	}
	return u, nil
}

// udpConfig is what the options resolve to.
type udpConfig struct {
	local, peer, dflt netip.AddrPort
}

// withDefaults validates o and resolves its addresses.
func (o UDPOptions) withDefaults() (udpConfig, error) {
	var c udpConfig
	var err error
	if o.PeerAddr != "" {
		if o.PeerPort == 0 {
			return c, fmt.Errorf("%w: PeerAddr needs PeerPort", ErrOption)
		}
		if c.peer, err = addrPort(o.PeerAddr, o.PeerPort); err != nil {
			return c, err
		}
	}
	if o.DefaultAddr != "" || o.DefaultPort != 0 {
		if o.DefaultAddr == "" || o.DefaultPort == 0 {
			return c, fmt.Errorf("%w: DefaultAddr and DefaultPort require each other", ErrOption)
		}
		if c.dflt, err = addrPort(o.DefaultAddr, o.DefaultPort); err != nil {
			return c, err
		}
	}
	la := o.LocalAddr
	if la == "" {
		la = "127.0.0.1"
		if c.peer.IsValid() && c.peer.Addr().Is6() && !c.peer.Addr().Is4In6() {
			la = "::1"
		}
	}
	c.local, err = addrPort(la, o.LocalPort)
	return c, err
}

// addrPort parses an IP literal and a port.
func addrPort(addr string, port int) (netip.AddrPort, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: %v", ErrOption, err)
	}
	if port < 0 || port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("%w: port %d", ErrOption, port)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

func (u *UDP) readLoop() {
	defer u.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		select {
		case <-u.slots:
		case <-u.done:
			return
		}
		n, from, err := u.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if u.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			if u.o.post(&udpNotice{u: u, kind: udpError, err: err}) != nil {
				return
			}
			continue
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		if u.opts.Drop != nil && u.opts.Drop(from, buf[:n]) {
			if u.opts.DropEvent == "" {
				u.slots <- struct{}{}
				continue
			}
			d := Datagram{Addr: from.Addr().String(), Port: int(from.Port())}
			if u.o.post(&udpNotice{u: u, kind: udpDrop, d: d}) != nil {
				return
			}
			continue
		}
		d := Datagram{Payload: append([]byte(nil), buf[:n]...), Addr: from.Addr().String(), Port: int(from.Port())}
		if u.o.post(&udpNotice{u: u, kind: udpInput, d: d}) != nil {
			return
		}
	}
}

// ID returns the wheel's unique ID. Any goroutine may call it.
func (u *UDP) ID() int { return u.id }

// Put sends each datagram to its Addr and Port, or, without them, to
// DefaultAddr or to the connected peer. It returns the bytes sent, and
// stops at the first failure, which it returns (POE::Wheel::UDP dies).
// Sending does not wait for the peer; it may wait briefly for room in the
// system's socket buffer.
func (u *UDP) Put(datagrams ...Datagram) (int, error) {
	if u.closed.Load() {
		return 0, ErrClosed
	}
	total := 0
	for _, d := range datagrams {
		var n int
		var err error
		switch {
		case d.Addr != "" || d.Port != 0:
			var to netip.AddrPort
			if to, err = addrPort(d.Addr, d.Port); err != nil || d.Port == 0 {
				return total, fmt.Errorf("%w: datagram to %q port %d", ErrOption, d.Addr, d.Port)
			}
			n, err = u.conn.WriteToUDPAddrPort(d.Payload, to)
		case u.dflt.IsValid():
			n, err = u.conn.WriteToUDPAddrPort(d.Payload, u.dflt)
		case u.connected:
			n, err = u.conn.Write(d.Payload)
		default:
			return total, ErrNoPeer
		}
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Getsockname returns the socket's local address and port.
func (u *UDP) Getsockname() (addr string, port int) { return splitAddr(u.conn.LocalAddr()) }

// Close closes the socket, waits for the wheel's goroutine and lets the
// session go. It is idempotent, and it is what Heap.Delete and the
// session's stop call.
func (u *UDP) Close() error {
	if !u.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(u.done)
	err := u.conn.Close()
	u.wg.Wait()
	u.o.release(u)
	return err
}
