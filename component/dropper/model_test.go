package dropper

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// model is the original's algorithm written plainly: one map, a full scan
// to expire before every packet, sums computed on demand. Only the port-0
// double count is fixed, as in ByIPPort.
type model struct {
	data     Table
	attempts int
	interval int64
}

func (m *model) expire(now int64) {
	maps.DeleteFunc(m.data, func(k Key, _ int) bool { return k.Time <= now-m.interval })
}

func (m *model) run(ip netip.Addr, port int, now int64) bool {
	m.expire(now)
	k := Key{IP: ip, Port: port, Time: now}
	m.data[k] = min(m.data[k]+1, MaxCount)
	count := 0
	for k, n := range m.data {
		if k.IP == ip && (k.Port == port || k.Port == 0) {
			count += n
		}
	}
	return count >= m.attempts
}

// TestAgainstModel checks the heap and per-peer sums of ByIPPort against
// the plain model on random packets, table edits and a clock that also
// goes back, comparing every decision and the whole table after each step.
func TestAgainstModel(t *testing.T) {
	for seed := range uint64(30) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 4242))
			clk := newClock()
			opts := ByIPPortOptions{Attempts: 1 + r.IntN(8), Interval: time.Duration(1+r.IntN(10)) * time.Second, Now: clk.Now}
			d, err := NewByIPPort(opts)
			if err != nil {
				t.Fatal(err)
			}
			m := &model{data: Table{}, attempts: opts.Attempts, interval: int64(opts.Interval / time.Second)}
			ips := []netip.Addr{ip("192.0.2.1"), ip("192.0.2.2"), ip("2001:db8::1")}
			ports := []int{0, 5060, 5061}
			now := base.Unix()
			for step := range 2000 {
				switch x := r.IntN(20); {
				case x < 3:
					now += int64(r.IntN(4))
				case x == 3:
					now -= int64(r.IntN(4)) // the clock is set back
				}
				clk.Set(time.Unix(now, r.Int64N(1e9)))
				a, port := ips[r.IntN(len(ips))], ports[r.IntN(len(ports))]
				var what string
				switch x := r.IntN(20); {
				case x == 0:
					k := Key{IP: a, Port: port, Time: now + int64(r.IntN(21)-10)}
					c := r.IntN(4)
					what = fmt.Sprintf("Set(%v, %d)", k, c)
					if err := d.Set(k, c); err != nil {
						t.Fatal(err)
					}
					if c == 0 {
						delete(m.data, k)
					} else {
						m.data[k] = c
					}
				case x == 1:
					what = "Expire"
					d.Expire()
					m.expire(now)
				default:
					what = fmt.Sprintf("RunConn(%v:%d)", a, port)
					got := d.RunConn(netip.AddrPortFrom(a, uint16(port)))
					if want := m.run(a, port, now); got != want {
						t.Fatalf("step %d at %d: %s = %v, model says %v", step, now, what, got, want)
					}
				}
				// Data expires; the model's table is compared after the same.
				m.expire(now)
				if got := d.Data(); !maps.Equal(got, m.data) {
					t.Fatalf("step %d at %d after %s: Data() = %v, model %v", step, now, what, got, m.data)
				}
				if d.Len() != len(m.data) {
					t.Fatalf("step %d: Len() = %d, model %d", step, d.Len(), len(m.data))
				}
			}
		})
	}
}
