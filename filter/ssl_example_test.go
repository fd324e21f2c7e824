package filter_test

import (
	"fmt"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/internal/testcert"
)

// ExampleNewSSL wires a client and a server SSL filter back to back, as
// two wheels on either end of a socket would, and sends a line each way.
func ExampleNewSSL() {
	pki, err := testcert.New() // in a program: Crt: "server.crt", Key: "server.key"
	if err != nil {
		panic(err)
	}
	server, _ := filter.NewSSL(filter.SSLOptions{CrtMem: pki.Server.CertPEM, KeyMem: pki.Server.KeyPEM})
	client, _ := filter.NewSSL(filter.SSLOptions{Client: true, CACrtMem: [][]byte{pki.CA.CertPEM}})
	defer server.Close()
	defer client.Close()

	// Put before the handshake: queued; the client's first Put also
	// returns its ClientHello.
	toServer, _ := client.Put([]any{"HEAD / HTTP/1.0\r\n\r\n"})
	var toClient [][]byte
	// get feeds one side what the other sent and collects its replies.
	get := func(f *filter.SSL, in [][]byte) (out [][]byte) {
		f.GetOneStart(in)
		for {
			rec, err := f.GetOne()
			out = append(out, f.TakeOutput()...)
			if err != nil || len(rec) == 0 {
				return out
			}
			fmt.Printf("got %q\n", rec[0])
			if f == server {
				reply, _ := server.Put([]any{"HTTP/1.0 200 OK\r\n"})
				out = append(out, reply...)
			}
		}
	}
	for len(toServer)+len(toClient) > 0 {
		toClient = append(toClient, get(server, toServer)...)
		toServer = get(client, toClient)
		toClient = nil
	}
	fmt.Println("handshake done:", server.HandshakeDone(), client.HandshakeDone())
	fmt.Println("server certificate valid:", client.ClientCertValid())
	// Output:
	// got "HEAD / HTTP/1.0\r\n\r\n"
	// got "HTTP/1.0 200 OK\r\n"
	// handshake done: true true
	// server certificate valid: true
}
