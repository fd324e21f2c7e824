// Package gosrv is the plain Go baseline that tests and benchmarks put
// next to a POE server: a goroutine per connection on 127.0.0.1.
package gosrv

import (
	"net"
	"sync"
	"testing"
)

// Server accepts connections and serves each on a goroutine of its own.
type Server struct {
	ln net.Listener
	wg sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1 and serves each connection
// with handle, closing it when handle returns: New on a fresh listener.
func Start(handle func(net.Conn)) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return New(ln, handle), nil
}

// New accepts connections on ln until the server is closed (or ln fails),
// and serves each on a goroutine of its own with handle, closing it when
// handle returns. The server owns ln.
func New(ln net.Listener, handle func(net.Conn)) *Server {
	s := &Server{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return s
}

// Serve is Start for a test or benchmark: it fails tb when it cannot
// listen, and closes the server when tb ends.
func Serve(tb testing.TB, handle func(net.Conn)) *Server {
	tb.Helper()
	s, err := Start(handle)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Addr is the address the server listens on.
func (s *Server) Addr() *net.TCPAddr { return s.ln.Addr().(*net.TCPAddr) }

// Close stops accepting and waits for every connection's handler to
// return. Later calls do nothing more.
func (s *Server) Close() {
	_ = s.ln.Close()
	s.wg.Wait()
}
