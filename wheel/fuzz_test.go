package wheel_test

import (
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// recordConn records the chunks each Read returned, which are the chunks
// the wheel gives its input filter.
type recordConn struct {
	net.Conn
	mu     sync.Mutex
	chunks [][]byte
}

func (c *recordConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.chunks = append(c.chunks, append([]byte(nil), p[:n]...))
		c.mu.Unlock()
	}
	return n, err
}

const fuzzMaxLength = 32

// FuzzReadWrite sends data cut into writes of the given sizes through a
// ReadWrite with a Line filter that switches to Stream after a "switch"
// line. The wheel must dispatch exactly what the filters give for the
// chunks it read, in order, with filter errors in place, and switch
// filters on the very next record.
func FuzzReadWrite(f *testing.F) {
	f.Add([]byte("one\ntwo\r\nthree\r"), []byte{3})
	f.Add([]byte("a\nswitch\nraw bytes\n"), []byte{0})
	f.Add([]byte("x\r\nswitch\r\nrest"), []byte{2, 5})
	f.Add([]byte("short\n0123456789012345678901234567890123456789\nafter\n"), []byte{7, 1})
	f.Add([]byte("\n\n\r\r\n\n"), []byte{1})
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		if len(data) > 4096 {
			return
		}
		server, client := net.Pipe()
		rc := &recordConn{Conn: server}
		r := newRig(t)
		var got []string
		r.run(kernel.States{
			"_start": func(e *kernel.Event) any {
				w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
					Handle: rc, Filter: filter.NewLine(filter.LineOptions{MaxLength: fuzzMaxLength}),
					InputEvent: "in", ErrorEvent: "err",
				})
				if err != nil {
					t.Errorf("NewReadWrite: %v", err)
					return nil
				}
				e.Heap["w"] = w
				return nil
			},
			"in": func(e *kernel.Event) any {
				got = append(got, record(e.Args[0]))
				if e.Args[0] == "switch" {
					e.Heap["w"].(*wheel.ReadWrite).SetFilter(filter.NewStream())
				}
				return nil
			},
			"err": func(e *kernel.Event) any {
				if e.Args[1] == 0 {
					e.Heap.Delete("w")
					return nil
				}
				got = append(got, fmt.Sprintf("!%v %v", e.Args[0], e.Args[1]))
				return nil
			},
		})
		go func() {
			for i, rest := 0, data; len(rest) > 0; i++ {
				n := len(rest)
				if len(sizes) > 0 {
					n = min(int(sizes[i%len(sizes)])%16+1, n)
				}
				if _, err := client.Write(rest[:n]); err != nil {
					break
				}
				rest = rest[n:]
			}
			client.Close()
		}()
		r.wait()

		var all []byte
		for _, c := range rc.chunks {
			all = append(all, c...)
		}
		if string(all) != string(data) {
			t.Fatalf("the wheel read %q, want %q", all, data)
		}
		want := reference(rc.chunks)
		if !equalStrings(got, want) {
			t.Errorf("chunks %q: dispatched %q, want %q", rc.chunks, got, want)
		}
	})
}

func record(rec any) string {
	if b, ok := rec.([]byte); ok {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprint(rec)
}

// reference runs the filters over the chunks as POE's wheel does.
func reference(chunks [][]byte) []string {
	var out []string
	var cur filter.Filter = filter.NewLine(filter.LineOptions{MaxLength: fuzzMaxLength})
	for _, c := range chunks {
		cur.GetOneStart([][]byte{c})
		for {
			recs, err := cur.GetOne()
			if err != nil {
				n, _ := wheel.Errno(err)
				out = append(out, fmt.Sprint("!read ", n))
				continue
			}
			if len(recs) == 0 {
				break
			}
			out = append(out, record(recs[0]))
			if recs[0] == "switch" {
				p := cur.GetPending()
				cur = filter.NewStream()
				if len(p) > 0 {
					cur.GetOneStart(p)
				}
			}
		}
	}
	return out
}
