// Package loadkit holds what the benchmark programs under bench/ share:
// a CPU profile of a server's life, a free port for the scripts, loopback
// address checks, waiting for a server to listen, and the
// component/tcpserver echo server each of them measures.
package loadkit

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/seed02617006/poe/component/tcpserver"
	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/wheel"
)

// Run is the body of a bench command's main: it runs run, writing a CPU
// profile of it to profile unless that is empty, and exits with status 1
// and the error, prefixed by prog, when there is one.
func Run(prog, profile string, run func() error) {
	err := profiled(profile, run)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		os.Exit(1)
	}
}

func profiled(path string, run func() error) error {
	if path == "" {
		return run()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return run()
}

// PrintFreePort prints a port that was free on 127.0.0.1 a moment ago.
func PrintFreePort() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	fmt.Println(port)
	return nil
}

// Loopback parses addr, the value of the flag -flagName, and refuses
// anything but a loopback IP address with a port, so that a benchmark
// never listens or connects beyond this machine. Host names are refused
// too: nothing is resolved.
func Loopback(flagName, addr string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() || ap.Port() == 0 {
		return netip.AddrPort{}, fmt.Errorf("-%s %q: want a loopback IP address and a port, such as 127.0.0.1:7000", flagName, addr)
	}
	return ap, nil
}

// dialPatience bounds how long WaitListening waits for a server that is
// still starting.
const dialPatience = 15 * time.Second

// WaitListening connects to ap until something accepts there, retrying
// for up to dialPatience while the server starts. The connection it makes
// is reset on close, leaving no TIME_WAIT behind.
func WaitListening(ap netip.AddrPort) error {
	until := time.Now().Add(dialPatience)
	for {
		c, err := net.DialTimeout("tcp", ap.String(), time.Second)
		if err == nil {
			_ = c.(*net.TCPConn).SetLinger(0)
			return c.Close()
		}
		if time.Now().After(until) {
			return fmt.Errorf("%v did not listen within %v: %w", ap, dialPatience, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// EchoServer starts a component/tcpserver on k that echoes each record its
// connections read, through the prototype filter f when f is not nil (a
// Line filter otherwise, tcpserver's default). k runs until the process
// exits. It returns an error when the server does not listen on ap.
func EchoServer(prog string, k *kernel.Kernel, ap netip.AddrPort, f filter.Filter) error {
	srv, err := tcpserver.New(tcpserver.Options{
		Kernel:       k,
		Port:         int(ap.Port()),
		Address:      ap.Addr().String(),
		ClientFilter: f,
		ClientInput: func(e *kernel.Event) any {
			e.Heap["client"].(*wheel.ReadWrite).Put(e.Args[0])
			return nil
		},
		// The load clients reset their connections: not worth a word.
		ClientError: func(*kernel.Event) any { return nil },
	})
	if err != nil {
		return err
	}
	failed := make(chan error, 1)
	go func() {
		if err := k.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: kernel: %v\n", prog, err)
		}
		failed <- errors.New("the kernel stopped")
	}()
	// A failure to listen goes to the default Error handler, which logs it
	// and stops listening: the port then stays 0 or the kernel ends.
	select {
	case err := <-failed:
		return err
	case <-time.After(100 * time.Millisecond):
	}
	if srv.Port() == 0 {
		return fmt.Errorf("tcpserver did not listen on %s", ap)
	}
	return nil
}

// Hold keeps a started server until SIGINT, SIGTERM or the end of its
// life, so that a server a script failed to kill goes away by itself.
func Hold(prog, mode string, life time.Duration) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case <-sig:
	case <-time.After(life):
		fmt.Fprintf(os.Stderr, "%s: %s stopping after its -life of %v\n", prog, mode, life)
	}
}
