package dropper

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// perlOracle returns the command line of the Perl oracle, or skips the test
// (fails it when POE_REQUIRE_PEERS=1) when Perl or Net::SIP is missing.
// Debian: perl, libnet-sip-perl.
func perlOracle(t *testing.T) []string {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("POE_REQUIRE_PEERS") == "1" {
			t.Fatalf("Perl peer required (POE_REQUIRE_PEERS=1) but %s; install Debian's libnet-sip-perl", why)
		}
		t.Skipf("skipping the Perl differential test: %s (install Debian's libnet-sip-perl)", why)
	}
	perl, err := exec.LookPath("perl")
	if err != nil {
		missing("perl is not installed")
	}
	if out, err := exec.Command(perl, "-MNet::SIP::Dropper::ByIPPort", "-e1").CombinedOutput(); err != nil {
		missing(fmt.Sprintf("Net::SIP::Dropper::ByIPPort does not load: %v %s", err, out))
	}
	return []string{perl, "testdata/byipport_oracle.pl"}
}

// sipPacket returns a packet Net::SIP parses: a request of the method, or
// a response with the code when method is a number.
func sipPacket(method string) string {
	if method[0] >= '0' && method[0] <= '9' {
		return "SIP/2.0 " + method + " Whatever\r\nCall-ID: a@b\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	}
	return method + " sip:x@example.com SIP/2.0\r\nCall-ID: a@b\r\nCSeq: 1 " + method + "\r\nContent-Length: 0\r\n\r\n"
}

type diffOp struct {
	line string // to the oracle
	// run
	at     time.Time
	from   netip.AddrPort
	packet []byte
	// set
	key   Key
	count int
}

type diffScenario struct {
	opts ByIPPortOptions
	ops  []diffOp
}

// randomScenario builds a sequence of packets and table edits from a few
// peers with a clock that moves by 0 to 2 seconds, under random options.
func randomScenario(r *rand.Rand) diffScenario {
	var sc diffScenario
	sc.opts.Attempts = 1 + r.IntN(6)
	// Half-second intervals check the rounding of Interval.
	half := 1 + r.IntN(16)
	sc.opts.Interval = time.Duration(half) * 500 * time.Millisecond
	intervalText := fmt.Sprintf("%g", float64(half)/2)
	newLine := fmt.Sprintf("new %d %s", sc.opts.Attempts, intervalText)
	if r.IntN(2) == 0 {
		for _, m := range []string{"REGISTER", "INVITE", "", "OPTIONS"} {
			if r.IntN(2) == 0 {
				sc.opts.Methods = append(sc.opts.Methods, m)
				if m == "" {
					m = "<resp>"
				}
				newLine += " " + m
			}
		}
		if len(sc.opts.Methods) == 0 {
			sc.opts.Methods = []string{"REGISTER"}
			newLine += " REGISTER"
		}
	}
	sc.ops = append(sc.ops, diffOp{line: newLine})

	ips := []string{"192.0.2.1", "192.0.2.2", "2001:db8::1"}
	ports := []int{5060, 5061}
	kinds := []string{"REGISTER", "REGISTER", "INVITE", "OPTIONS", "register", "200", "401"}
	now := base.Unix()
	for range 300 {
		now += int64(r.IntN(3)) * int64(r.IntN(2)) // often the same second
		ipText := ips[r.IntN(len(ips))]
		if r.IntN(12) == 0 {
			// An edit of the table, as the original's users make through data().
			port := []int{0, 5060}[r.IntN(2)]
			k := Key{IP: netip.MustParseAddr(ipText), Port: port, Time: now + int64(r.IntN(11)-5)}
			c := 1 + r.IntN(5)
			sc.ops = append(sc.ops, diffOp{line: fmt.Sprintf("set %s %d %d %d", ipText, port, k.Time, c), key: k, count: c})
			continue
		}
		port := ports[r.IntN(len(ports))]
		packet := []byte(sipPacket(kinds[r.IntN(len(kinds))]))
		at := time.Unix(now, r.Int64N(int64(time.Second)))
		sc.ops = append(sc.ops, diffOp{
			line:   fmt.Sprintf("run %d %s %d %s", now, ipText, port, hex.EncodeToString(packet)),
			at:     at,
			from:   netip.AddrPortFrom(netip.MustParseAddr(ipText), uint16(port)),
			packet: packet,
		})
	}
	return sc
}

// TestDifferentialPerl runs the same packets, clock and table edits through
// Net::SIP::Dropper::ByIPPort and through ByIPPort and compares every
// decision. Sources never use port 0, where the original counts port-0
// attempts twice (a documented difference).
func TestDifferentialPerl(t *testing.T) {
	oracle := perlOracle(t)
	r := rand.New(rand.NewPCG(2, 617006))
	var scenarios []diffScenario
	var input strings.Builder
	for range 60 {
		sc := randomScenario(r)
		scenarios = append(scenarios, sc)
		for _, op := range sc.ops {
			input.WriteString(op.line)
			input.WriteByte('\n')
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, oracle[0], oracle[1:]...)
	cmd.Stdin = strings.NewReader(input.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Perl oracle: %v\n%s", err, stderr.String())
	}
	answers := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")

	n, runs, drops := 0, 0, 0
	for si, sc := range scenarios {
		clk := newClock()
		opts := sc.opts
		opts.Now = clk.Now
		d, err := NewByIPPort(opts)
		if err != nil {
			t.Fatalf("scenario %d: NewByIPPort(%+v): %v", si, sc.opts, err)
		}
		for oi, op := range sc.ops {
			if n >= len(answers) {
				t.Fatalf("Perl oracle gave %d answers, want more\n%s", len(answers), stderr.String())
			}
			want := answers[n]
			n++
			var got string
			switch {
			case strings.HasPrefix(op.line, "new"):
				got = "ok"
			case strings.HasPrefix(op.line, "set"):
				if err := d.Set(op.key, op.count); err != nil {
					t.Fatalf("scenario %d op %d: Set: %v", si, oi, err)
				}
				got = "ok"
			default:
				clk.Set(op.at)
				got = "0"
				if d.Run(op.packet, op.from) {
					got = "1"
					drops++
				}
				runs++
			}
			if got != want {
				t.Fatalf("scenario %d (%+v) op %d %q: Go says %s, Perl says %s",
					si, sc.opts, oi, op.line[:min(len(op.line), 60)], got, want)
			}
		}
	}
	if n != len(answers) {
		t.Fatalf("Perl oracle gave %d answers, want %d", len(answers), n)
	}
	// A comparison where nothing is dropped, or everything is, proves little.
	if drops == 0 || drops == runs {
		t.Fatalf("%d of %d packets dropped: the scenarios do not exercise both decisions", drops, runs)
	}
	t.Logf("%d scenarios, %d packets, %d dropped, all decisions equal to Perl's", len(scenarios), runs, drops)
}
