package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/seed02617006/poe/filter"
	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// wheelServer is server-poe less the component: one session with a
// SocketFactory and a ReadWrite per connection, echoing each record. With
// the Stream filter a read is one record, so it measures what a read
// costs apart from what each line costs (server-poe and server-wheel with
// Line dispatch every line of a read on its own, as POE does).
func wheelServer(ap netip.AddrPort, filterName string) error {
	var newFilter func() filter.Filter
	switch filterName {
	case "line":
		newFilter = func() filter.Filter { return filter.NewLine() }
	case "stream":
		newFilter = func() filter.Filter { return filter.NewStream() }
	default:
		return fmt.Errorf("unknown -filter %q (want line or stream)", filterName)
	}
	k := kernel.New()
	listening := make(chan error, 1)
	clients := map[int]*wheel.ReadWrite{}
	_, err := session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			f, err := wheel.NewSocketFactory(e.Kernel, wheel.SocketFactoryOptions{
				BindAddress: ap.Addr().String(), BindPort: int(ap.Port()),
				SuccessEvent: "accepted", FailureEvent: "failed",
			})
			if err != nil {
				listening <- err
				return nil
			}
			e.Heap["listener"] = f
			listening <- nil
			return nil
		},
		"accepted": func(e *kernel.Event) any {
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
				Handle: e.Args[0].(net.Conn), Filter: newFilter(), InputEvent: "input", ErrorEvent: "error",
			})
			if err != nil {
				fmt.Fprintf(os.Stderr, "tcpecho: %v\n", err)
				return nil
			}
			clients[w.ID()] = w
			return nil
		},
		"failed": func(e *kernel.Event) any {
			fmt.Fprintf(os.Stderr, "tcpecho: %s failed: %s\n", e.Args[0], e.Args[2])
			e.Heap.Delete("listener")
			return nil
		},
		"input": func(e *kernel.Event) any {
			clients[e.Args[1].(int)].Put(e.Args[0])
			return nil
		},
		// A read error or EOF ends the connection (the load clients
		// reset theirs: not worth a word).
		"error": func(e *kernel.Event) any {
			id := e.Args[3].(int)
			clients[id].Close()
			delete(clients, id)
			return nil
		},
	}})
	if err != nil {
		return err
	}
	select {
	case err := <-listening:
		if err != nil {
			return err
		}
	case <-time.After(5 * time.Second):
		return errors.New("the listener did not start")
	}
	go func() {
		if err := k.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "tcpecho: kernel: %v\n", err)
		}
	}()
	return nil
}
