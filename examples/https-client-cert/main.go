// Command https-client-cert is the last Advanced Example of
// POE::Filter::SSL's SYNOPSIS: an HTTPS server that asks every client for
// a certificate and answers each request with a page describing it: valid
// or not, then each certificate of the chain (subject, issuer, serial),
// the URL asked for, and the local time. The connection is dropped a
// second after the answer.
//
// As in the seed, one session listens with a SocketFactory and each
// accepted socket gets a session of its own, whose ReadWrite wheel runs a
// Stackable of an SSL filter (crt, key, cacrt, cipher, debug, clientcert)
// and an HTTPD filter. The session keeps the SSL filter in its heap to
// ask it about the client's certificate: ClientCertIDs, ClientCertValid.
// The seed's error and timer events are named "_stop", as there.
//
// Differences from the seed:
//
//   - -cacrl names the CRL the seed has commented out (cacrl => 'ca.crl');
//     empty (the default) leaves it out. With it, ClientCertValid is also
//     false for a revoked certificate, and the page gets one more line
//     (not in the seed): whether ClientCertNotOnCRL holds.
//   - ClientCertIDs is empty without a certificate; the page then says
//     "No client certificate" once, which is what the seed's loop says
//     for its undefined element.
//   - The seed's cipher list, the default of -cipher, names DHE (which
//     crypto/tls lacks) and AES256-SHA (which needs an RSA key), so TLS
//     1.2 works only with an RSA certificate; TLS 1.3, whose suites no
//     cipher list restricts, works with any.
//   - It listens on 127.0.0.1 (the seed: 0.0.0.0) at port 443 by default,
//     which needs root; -addr 127.0.0.1:0 lets the system choose a port.
//     The address it listens on is printed on standard error, with the
//     filter's debug lines.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:443", "address and port to listen on")
	crt := flag.String("crt", "server.crt", "server certificate (PEM)")
	key := flag.String("key", "server.key", "server private key (PEM)")
	cacrt := flag.String("cacrt", "ca.crt", "CA certificate(s) client certificates are verified against (PEM)")
	cacrl := flag.String("cacrl", "", "CRL of the CA (PEM or DER); empty: none, as the seed")
	cipher := flag.String("cipher", "DHE-RSA-AES256-GCM-SHA384:AES256-SHA", "OpenSSL cipher list for TLS 1.2")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "https-client-cert: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	sslOptions := filter.SSLOptions{
		Crt:        *crt,
		Key:        *key,
		CACrt:      *cacrt,
		Cipher:     *cipher,
		CACRL:      *cacrl,
		Debug:      true,
		ClientCert: true,
	}
	// The seed makes the filter in each connection's _start, where a bad
	// file could only be carped about; check the options once here.
	if _, err := filter.NewSSL(sslOptions); err != nil {
		fmt.Fprintln(os.Stderr, "https-client-cert:", err)
		os.Exit(2)
	}
	status := 0

	_, err = session.Create(session.Options{
		InlineStates: kernel.States{
			"_start": func(e *kernel.Event) any {
				l, err := wheel.NewSocketFactory(e.Kernel, wheel.SocketFactoryOptions{
					BindAddress:  host,
					BindPort:     port,
					Reuse:        true,
					SuccessEvent: "socket_birth",
					FailureEvent: "_stop",
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "https-client-cert:", err)
					status = 1
					return nil
				}
				e.Heap["listener"] = l
				a, p := l.Getsockname()
				fmt.Fprintf(os.Stderr, "https-client-cert: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
				return nil
			},
			"_stop": func(e *kernel.Event) any {
				if len(e.Args) >= 3 {
					// FailureEvent: (op, errnum, errstr, wheelID)
					fmt.Fprintf(os.Stderr, "https-client-cert: %v: %v\n", e.Args[0], e.Args[2])
					status = 1
				}
				e.Heap.Delete("listener")
				return nil
			},
			"socket_birth": func(e *kernel.Event) any {
				socket := e.Args[0]
				_, err := session.Create(session.Options{
					Kernel:       e.Kernel, // the parent, in Parallel mode too
					InlineStates: connectionStates(sslOptions),
					Args:         []any{socket},
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "https-client-cert:", err)
					if c, ok := socket.(io.Closer); ok {
						c.Close()
					}
				}
				return nil
			},
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "https-client-cert:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "https-client-cert:", err)
		os.Exit(1)
	}
	os.Exit(status)
}

// connectionStates are the inline states of each connection's session.
func connectionStates(sslOptions filter.SSLOptions) kernel.States {
	return kernel.States{
		"_start": func(e *kernel.Event) any {
			conn := e.Args[0].(net.Conn)
			ssl, err := filter.NewSSL(sslOptions)
			if err != nil {
				fmt.Fprintln(os.Stderr, "https-client-cert:", err)
				conn.Close()
				return nil
			}
			e.Heap["sslfilter"] = ssl
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
				Handle: conn,
				Filter: filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{
					ssl,
					filter.NewHTTPD(),
				}}),
				InputEvent: "socket_input",
				ErrorEvent: "_stop",
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, "https-client-cert:", err)
				ssl.Close()
				conn.Close()
				return nil
			}
			e.Heap["socket_wheel"] = w
			return nil
		},
		"socket_input": func(e *kernel.Event) any {
			ssl := e.Heap["sslfilter"].(*filter.SSL)
			buf := e.Args[0]
			certid := ssl.ClientCertIDs()
			content := ""
			if ssl.ClientCertValid() {
				content += "Hello <font color=green>valid</font> client Certifcate:"
			} else {
				content += "None or <font color=red>invalid</font> client certificate:"
			}
			content += "<hr>"
			if len(certid) == 0 {
				content += "No client certificate<hr>"
			}
			for _, id := range certid {
				content += id.Subject + "<br>" + id.Issuer + "<br>SERIAL=" + ssl.Hexdump(id.Serial) + "<hr>"
			}
			if sslOptions.CACRL != "" {
				if ssl.ClientCertNotOnCRL() {
					content += "Not on the CRL<hr>"
				} else {
					content += "<font color=red>On the CRL</font> or not checked<hr>"
				}
			}
			if req, ok := buf.(*http.Request); ok {
				content += "Your URL was: " + req.RequestURI + "<hr>"
			}
			content += time.Now().Format("Mon Jan _2 15:04:05 2006") // localtime(time())
			response := &http.Response{StatusCode: 200, Header: http.Header{}}
			response.Header.Set("Content-type", "text/html")
			response.Body = io.NopCloser(strings.NewReader(content))
			response.ContentLength = int64(len(content))
			e.Heap["socket_wheel"].(*wheel.ReadWrite).Put(response)
			e.Kernel.Delay("_stop", time.Second)
			return nil
		},
		"_stop": func(e *kernel.Event) any {
			e.Heap.Delete("socket_wheel")
			return nil
		},
	}
}
