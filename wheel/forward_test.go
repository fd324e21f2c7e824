package wheel_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// relayRig is a session relaying between two connections, as a proxy
// does: records until the first line, then Forward both ways. Each side's
// EOF shuts the other side's output down.
func relayRig(t *testing.T, left, right net.Conn) *rig {
	t.Helper()
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			for _, side := range []struct {
				name string
				conn net.Conn
			}{{"left", left}, {"right", right}} {
				w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
					Handle: side.conn, InputEvent: "input", ErrorEvent: "error",
				})
				if err != nil {
					t.Errorf("NewReadWrite: %v", err)
					return nil
				}
				e.Heap[side.name] = w
				e.Heap[fmt.Sprint("wheel ", w.ID())] = side.name
			}
			return nil
		},
		"input": func(e *kernel.Event) any {
			name := e.Heap[fmt.Sprint("wheel ", e.Args[1])].(string)
			r.log.Add("input %s %v", name, e.Args[0])
			l, rt := e.Heap["left"].(*wheel.ReadWrite), e.Heap["right"].(*wheel.ReadWrite)
			if err := l.Forward(rt); err != nil {
				r.log.Add("Forward: %v", err)
			}
			if err := rt.Forward(l); err != nil {
				r.log.Add("Forward: %v", err)
			}
			return nil
		},
		"error": func(e *kernel.Event) any {
			name := e.Heap[fmt.Sprint("wheel ", e.Args[3])].(string)
			r.log.Add("error %s %v %v", name, e.Args[0], e.Args[1])
			other := "left"
			if name == "left" {
				other = "right"
			}
			if e.Args[1] == 0 {
				e.Heap[other].(*wheel.ReadWrite).ShutdownOutput()
			}
			if e.Heap["seen "+name] = true; e.Heap["seen "+other] == true {
				l, rt := e.Heap["left"].(*wheel.ReadWrite), e.Heap["right"].(*wheel.ReadWrite)
				r.log.Add("forwarded %d %d", l.ForwardedOctets(), rt.ForwardedOctets())
			}
			return nil
		},
	})
	return r
}

// TestReadWriteForward relays a megabyte each way between two connections
// once the first line has come: what the left filter held comes first,
// bytes arrive whole and in order, without InputEvent, each EOF reaches
// the other side, and ForwardedOctets counts every byte.
func TestReadWriteForward(t *testing.T) {
	const size = 1 << 20
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			left, lpeer := tr.pair(t)
			right, rpeer := tr.pair(t)
			deadline(lpeer)
			deadline(rpeer)
			r := relayRig(t, left, right)
			toRight := make([]byte, size)
			toLeft := make([]byte, size)
			rnd := rand.New(rand.NewPCG(1, 2))
			for i := range toRight {
				toRight[i], toLeft[i] = byte(rnd.Uint32()), byte(rnd.Uint32())
			}
			halfClose := func(c net.Conn) {
				if cw, ok := c.(interface{ CloseWrite() error }); ok {
					_ = cw.CloseWrite()
				}
			}
			// The first line goes to InputEvent; "held" stays in the
			// filter and is forwarded first.
			go func() { _, _ = lpeer.Write([]byte("start\nheld")) }()
			r.log.WaitFor(t, "input left start", 1)
			go func() {
				_, _ = lpeer.Write(toRight)
				halfClose(lpeer)
			}()
			go func() {
				_, _ = rpeer.Write(toLeft)
				halfClose(rpeer)
			}()
			gotLeft := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(io.LimitReader(lpeer, size))
				gotLeft <- b
			}()
			gotRight, err := io.ReadAll(io.LimitReader(rpeer, 4+size))
			if err != nil || !bytes.Equal(gotRight, append([]byte("held"), toRight...)) {
				t.Fatalf("right peer read %d bytes (%v), want held and %d bytes in order", len(gotRight), err, size)
			}
			if b := <-gotLeft; !bytes.Equal(b, toLeft) {
				t.Fatalf("left peer read %d bytes, want %d in order", len(b), size)
			}
			if tr.name == "pipe" {
				// net.Pipe cannot half-close: close the peers.
				lpeer.Close()
				rpeer.Close()
			} else {
				for _, p := range []net.Conn{lpeer, rpeer} {
					if n, err := p.Read(make([]byte, 1)); n != 0 || err != io.EOF {
						t.Errorf("peer read after the stream = %d, %v; want EOF", n, err)
					}
				}
			}
			r.log.WaitFor(t, "forwarded ", 1)
			if got := r.log.All(); len(got) != 4 || got[0] != "input left start" {
				t.Errorf("events = %q, want one input, two errors, forwarded", got)
			}
			want := "forwarded 1048580 1048576"
			if got := r.log.All()[3]; got != want {
				t.Errorf("%s, want %s", got, want)
			}
			lpeer.Close()
			rpeer.Close()
			r.wait()
		})
	}
}

// TestReadWriteForwardSelf echoes by forwarding a wheel to itself.
func TestReadWriteForwardSelf(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			server, client := tr.pair(t)
			deadline(client)
			r := newRig(t)
			r.rwServer(server, wheel.ReadWriteOptions{Filter: filter.NewStream()}, kernel.States{
				"got_input": func(e *kernel.Event) any {
					rw(e).Put(e.Args[0])
					if err := rw(e).Forward(rw(e)); err != nil {
						r.log.Add("Forward: %v", err)
					}
					return nil
				},
			})
			for _, s := range []string{"first", "second", "third"} {
				if _, err := client.Write([]byte(s)); err != nil {
					t.Fatal(err)
				}
				b := make([]byte, len(s))
				if _, err := io.ReadFull(client, b); err != nil || string(b) != s {
					t.Fatalf("echo %q, %v; want %q", b, err, s)
				}
			}
			client.Close()
			r.wait()
			if got := r.log.All(); len(got) != 1 || got[0][:6] != "error " {
				t.Errorf("events = %q, want only the EOF", got)
			}
		})
	}
}

// TestReadWriteForwardErrors: what Forward refuses.
func TestReadWriteForwardErrors(t *testing.T) {
	a, _ := tcpPair(t)
	b, _ := tcpPair(t)
	r := newRig(t)
	r.run(kernel.States{
		"_start": func(e *kernel.Event) any {
			reader, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{Handle: a, InputEvent: "in"})
			if err != nil {
				t.Fatal(err)
			}
			writer, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{Handle: b})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				err  error
				want error
			}{
				{"to nil", reader.Forward(nil), wheel.ErrOption},
				{"from a wheel that does not read", writer.Forward(reader), wheel.ErrOption},
				{"first", reader.Forward(writer), nil},
				{"again", reader.Forward(writer), wheel.ErrOption},
			} {
				if !errors.Is(c.err, c.want) || (c.want == nil) != (c.err == nil) {
					t.Errorf("Forward %s = %v, want %v", c.name, c.err, c.want)
				}
			}
			writer.Close()
			if err := writer.Forward(reader); !errors.Is(err, wheel.ErrClosed) {
				t.Errorf("Forward from a closed wheel = %v, want ErrClosed", err)
			}
			reader.Close()
			return nil
		},
	})
	r.wait()
}

// TestReadWriteForwardBackPressure: a destination that does not read
// stops the forwarding reader; what the wheels buffer stays bounded, and
// closing both ends the stalled relay.
func TestReadWriteForwardBackPressure(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			left, lpeer := tr.pair(t)
			right, rpeer := tr.pair(t)
			deadline(lpeer)
			r := newRig(t)
			var buffered int
			r.run(kernel.States{
				"_start": func(e *kernel.Event) any {
					l, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{Handle: left, InputEvent: "in", Filter: filter.NewStream()})
					if err != nil {
						t.Fatal(err)
					}
					rt, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{Handle: right})
					if err != nil {
						t.Fatal(err)
					}
					e.Heap["left"], e.Heap["right"] = l, rt
					if err := l.Forward(rt); err != nil {
						t.Error(err)
					}
					return nil
				},
				"measure": func(e *kernel.Event) any {
					buffered = e.Heap["right"].(*wheel.ReadWrite).GetDriverOutOctets()
					r.log.Add("measured")
					return nil
				},
				"stop": func(e *kernel.Event) any {
					e.Heap.Delete("left")
					e.Heap.Delete("right")
					return nil
				},
			})
			chunk := make([]byte, 64<<10)
			total := 0
			for total < 64<<20 {
				_ = lpeer.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
				n, err := lpeer.Write(chunk)
				total += n
				if err != nil {
					break
				}
			}
			if total >= 64<<20 {
				t.Fatalf("wrote %d bytes into a relay whose destination does not read", total)
			}
			_ = r.k.Outside().Post(1, "measure")
			r.log.WaitFor(t, "measured", 1)
			// Two reads ahead of the writing, of at most 128 KiB.
			if limit := 2 * 128 << 10; buffered > limit {
				t.Errorf("relay buffers %d bytes for a stalled destination, want at most %d", buffered, limit)
			}
			_ = r.k.Outside().Post(1, "stop")
			r.wait()
			lpeer.Close()
			rpeer.Close()
		})
	}
}
