package dropper_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/seed02617006/poe/component/dropper"
)

func ExampleByIPPort() {
	now := time.Unix(1_700_000_000, 0)
	drop, err := dropper.NewByIPPort(dropper.ByIPPortOptions{
		Methods:  []string{"REGISTER", ""},
		Attempts: 3,
		Interval: 60 * time.Second,
		Now:      func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	from := netip.MustParseAddrPort("192.0.2.1:5060")
	register := []byte("REGISTER sip:example.com SIP/2.0\r\nCSeq: 1 REGISTER\r\n\r\n")
	invite := []byte("INVITE sip:bob@example.com SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n")
	for i := 1; i <= 4; i++ {
		fmt.Println("REGISTER", i, "dropped:", drop.Run(register, from))
	}
	fmt.Println("INVITE dropped:", drop.Run(invite, from))
	fmt.Println("other port dropped:", drop.Run(register, netip.MustParseAddrPort("192.0.2.1:5062")))
	now = now.Add(60 * time.Second)
	fmt.Println("a minute later dropped:", drop.Run(register, from))
	// Output:
	// REGISTER 1 dropped: false
	// REGISTER 2 dropped: false
	// REGISTER 3 dropped: true
	// REGISTER 4 dropped: true
	// INVITE dropped: false
	// other port dropped: false
	// a minute later dropped: false
}

func ExampleByIPPort_Set() {
	now := time.Unix(1_700_000_000, 0)
	drop, err := dropper.NewByIPPort(dropper.ByIPPortOptions{
		Attempts: 10,
		Interval: 60 * time.Second,
		Now:      func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Block every port of 198.51.100.7 for a day: port 0, a Time a day
	// ahead (less Interval), more attempts than allowed.
	ban := dropper.Key{IP: netip.MustParseAddr("198.51.100.7"), Port: 0, Time: now.Add(24*time.Hour - time.Minute).Unix()}
	if err := drop.Set(ban, 1000); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(drop.RunConn(netip.MustParseAddrPort("198.51.100.7:40001")))
	fmt.Println(drop.RunConn(netip.MustParseAddrPort("198.51.100.8:40001")))
	now = now.Add(24 * time.Hour)
	fmt.Println(drop.RunConn(netip.MustParseAddrPort("198.51.100.7:40002")))
	// Output:
	// true
	// false
	// false
}

func ExampleByIPPort_SaveDB() {
	dir, err := os.MkdirTemp("", "dropper-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	opts := dropper.ByIPPortOptions{
		Database: filepath.Join(dir, "database.drop"),
		Attempts: 2,
		Interval: time.Hour,
	}
	from := netip.MustParseAddrPort("192.0.2.1:5060")

	drop, err := dropper.NewByIPPort(opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	drop.Run(nil, from)
	if err := drop.SaveDB(); err != nil {
		fmt.Println(err)
		return
	}

	// After a restart the peer's first attempt is still on record.
	again, err := dropper.NewByIPPort(opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("dropped after restart:", again.Run(nil, from))
	// Output:
	// dropped after restart: true
}

func ExampleParseFirstLine() {
	for _, p := range []string{
		"OPTIONS sip:carol@example.com SIP/2.0\r\n\r\n",
		"SIP/2.0 486 Busy Here\r\n\r\n",
		"\r\n\r\n",
	} {
		l, err := dropper.ParseFirstLine([]byte(p))
		switch {
		case err != nil:
			fmt.Println(err)
		case l.IsResponse():
			fmt.Println("response", l.Code, l.Reason)
		default:
			fmt.Println("request", l.Method, l.URI)
		}
	}
	// Output:
	// request OPTIONS sip:carol@example.com
	// response 486 Busy Here
	// dropper: not a SIP message: empty packet
}
