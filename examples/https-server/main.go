// Command https-server is the HTTPS-Server program of POE::Filter::SSL's
// SYNOPSIS. The seed hands POE::Component::Server::HTTP a PreFilter, an
// SSL filter (crt, key, cacrt) that sits under the component's HTTPD
// filter. This project has no Server::HTTP component, so the port is
// what that component builds: POE::Component::Server::TCP
// (component/tcpserver) whose ClientFilter is a Stackable of the SSL
// filter and an HTTPD filter, and a ClientInput that plays Server::HTTP's
// part: it picks the ContentHandler whose path is the longest prefix of
// the request's path, runs it, adds the Headers option (Server: My
// Server) and sends the response.
//
// The handlers are the seed's: "/" answers 200 with "Hi, you fetched "
// and the request's URI; "/dir/" and "/file" return without touching the
// response, which goes out as an empty 200 response. A request the
// HTTPD filter cannot accept gets the filter's error response. Each
// connection is closed after its response (Server::HTTP keeps a
// connection open only when the client asks for it). POE::Kernel->call
// of the two "shutdown" events after run, which the seed marks as not
// needed, has nothing to do here: Run returns when the server is gone.
//
// It listens on 127.0.0.1 at port 443 by default, which needs root;
// -addr 127.0.0.1:0 lets the system choose a port. The address it listens
// on is printed on standard error. -crt, -key and -cacrt name the
// seed's server.crt, server.key and ca.crt (PEM; -cacrt may be empty).
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// contentHandler is a Server::HTTP ContentHandler: it fills in the
// response for the request and returns an RC code (RC_OK) or 0.
type contentHandler func(req *http.Request, resp *http.Response) int

// contentHandlers are the seed's ContentHandler option.
var contentHandlers = map[string]contentHandler{
	"/":     handler,
	"/dir/": func(*http.Request, *http.Response) int { return 0 },
	"/file": func(*http.Request, *http.Response) int { return 0 },
}

// headers is the seed's Headers option, added to every response.
var headers = map[string]string{"Server": "My Server"}

// handler is the seed's handler sub.
func handler(req *http.Request, resp *http.Response) int {
	resp.StatusCode = http.StatusOK // $response->code(RC_OK)
	setContent(resp, "Hi, you fetched "+req.RequestURI)
	return http.StatusOK
}

func setContent(resp *http.Response, s string) {
	resp.Body = io.NopCloser(strings.NewReader(s))
	resp.ContentLength = int64(len(s))
}

// dispatch is Server::HTTP's choice of handler: the longest
// ContentHandler path that the request's path starts with.
func dispatch(req *http.Request) *http.Response {
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Close: true}
	for k, v := range headers {
		resp.Header.Set(k, v)
	}
	paths := make([]string, 0, len(contentHandlers))
	for p := range contentHandlers {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	for _, p := range paths {
		if strings.HasPrefix(req.URL.Path, p) {
			contentHandlers[p](req, resp)
			break
		}
	}
	return resp
}

func main() {
	addr := flag.String("addr", "127.0.0.1:443", "address and port to listen on")
	crt := flag.String("crt", "server.crt", "server certificate (PEM)")
	key := flag.String("key", "server.key", "server private key (PEM)")
	cacrt := flag.String("cacrt", "ca.crt", "CA certificate(s) named in certificate requests (PEM); empty for none")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "https-server: bad -addr %q: want host:port\n", *addr)
		os.Exit(2)
	}
	// PreFilter => POE::Filter::SSL->new(crt => ..., key => ..., cacrt => ...)
	ssl, err := filter.NewSSL(filter.SSLOptions{Crt: *crt, Key: *key, CACrt: *cacrt})
	if err != nil {
		fmt.Fprintln(os.Stderr, "https-server:", err)
		os.Exit(2)
	}
	status := 0

	_, err = tcpserver.New(tcpserver.Options{
		Address: host,
		Port:    port,
		Alias:   "httpd",
		ClientFilter: filter.NewStackable(filter.StackableOptions{
			Filters: []filter.Filter{ssl, filter.NewHTTPD()},
		}),
		Started: func(e *kernel.Event) any {
			if l, ok := e.Heap["listener"].(*wheel.SocketFactory); ok {
				a, p := l.Getsockname()
				fmt.Fprintf(os.Stderr, "https-server: listening on %s\n", net.JoinHostPort(a, strconv.Itoa(p)))
			}
			return nil
		},
		Error: func(e *kernel.Event) any {
			fmt.Fprintf(os.Stderr, "https-server: %v: %v\n", e.Args[0], e.Args[2])
			status = 1
			e.Heap.Delete("listener")
			return nil
		},
		ClientInput: func(e *kernel.Event) any {
			client := e.Heap["client"].(*wheel.ReadWrite)
			switch r := e.Args[0].(type) {
			case *http.Request:
				client.Put(dispatch(r))
			case *http.Response:
				// The HTTPD filter's answer to a request it refused.
				client.Put(r)
			}
			e.Kernel.Yield("shutdown")
			return nil
		},
		// A client that does not speak TLS gets an error from the
		// filter and its connection is shut down; tcpserver sets
		// got_an_error after the first error, so it is said once.
		ClientError: func(e *kernel.Event) any {
			if e.Heap["got_an_error"] != nil {
				return nil
			}
			if num, _ := e.Args[1].(int); num != 0 {
				fmt.Fprintf(os.Stderr, "https-server: %v error: %v\n", e.Args[0], e.Args[2])
			}
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "https-server:", err)
		os.Exit(2)
	}
	if err := kernel.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "https-server:", err)
		os.Exit(1)
	}
	os.Exit(status)
}
