package netmask_test

import (
	"fmt"

	"github.com/seed02617006/poe/netmask"
)

// The access lists of the SOCKS seed: deny everyone, except the loopback
// address and the local network.
func Example() {
	all, _ := netmask.New2("any")
	loopback, _ := netmask.New2("127.0.0.1")
	local, _ := netmask.New2("192.168.1.0/24")
	var denials, exemptions netmask.Table
	denials.Store(all)
	exemptions.Store(loopback)
	exemptions.Store(local)

	for _, peer := range []string{"127.0.0.1", "192.168.1.20", "192.168.2.20", "10.0.0.1"} {
		denied := denials.Fetch(peer) != nil && exemptions.Fetch(peer) == nil
		fmt.Println(peer, "denied:", denied)
	}
	// Output:
	// 127.0.0.1 denied: false
	// 192.168.1.20 denied: false
	// 192.168.2.20 denied: true
	// 10.0.0.1 denied: true
}

// The tutorial's allow table: users allowed per network, found through the
// desc of the peer's block.
func ExampleTable() {
	allow := map[string]map[string]bool{
		"127.0.0.0/24":   {"*": true},
		"214.123.1.0/24": {"tchrist": false, "*": true},
		"192.168.1.0/24": {"gbarr": true},
	}
	var table netmask.Table
	for mask := range allow {
		nm, err := netmask.New2(mask)
		if err != nil {
			panic(err)
		}
		table.Store(nm)
	}
	checkUser := func(peer, user string) bool {
		block := table.Fetch(peer)
		if block == nil {
			return false
		}
		rules := allow[block.String()]
		if ok, exists := rules[user]; exists {
			return ok
		}
		return rules["*"]
	}
	fmt.Println(checkUser("214.123.1.9", "tchrist"))
	fmt.Println(checkUser("214.123.1.9", "gnat"))
	fmt.Println(checkUser("192.168.1.5", "gbarr"))
	fmt.Println(checkUser("192.168.1.5", "gnat"))
	fmt.Println(checkUser("10.1.1.1", "gbarr"))
	// Output:
	// false
	// true
	// true
	// false
	// false
}

func ExampleNew2() {
	for _, spec := range []string{"10.1.2.3/16", "10.1.2.3:255.255.255.0", "10.1.2.3#0.0.0.255",
		"10.1.2.0-10.1.2.127", "2001:DB8::/32", "2001:db8:0:1::/64", "010.1.2.3"} {
		nm, err := netmask.New2(spec)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(nm, nm.Mask(), nm.Last())
	}
	// Output:
	// 10.1.0.0/16 255.255.0.0 10.1.255.255
	// 10.1.2.0/24 255.255.255.0 10.1.2.255
	// 10.1.2.0/24 255.255.255.0 10.1.2.255
	// 10.1.2.0/25 255.255.255.128 10.1.2.127
	// netmask: could not parse: "2001:DB8::/32"
	// 2001:db8:0:1::/64 ffff:ffff:ffff:ffff:: 2001:db8::1:ffff:ffff:ffff:ffff
	// netmask: could not parse: "010.1.2.3"
}

func ExampleNew2WithOptions() {
	nm, _ := netmask.New2WithOptions("10.1", netmask.Options{ShortNet: true})
	fmt.Println(nm)
	_, err := netmask.New2("10.1")
	fmt.Println(err)
	// Output:
	// 10.1.0.0/16
	// netmask: could not parse: "10.1"
}

func ExampleNew2Mask() {
	a, _ := netmask.New2Mask("192.168.1.7", "255.255.255.0", netmask.Options{})
	b, _ := netmask.New2Mask("192.168.1.7", "0xffffff00", netmask.Options{})
	fmt.Println(a, b, a.Equal(b))
	// Output:
	// 192.168.1.0/24 192.168.1.0/24 true
}
