package wheel_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/seed02617006/poe/kernel"
	"github.com/seed02617006/poe/session"
	"github.com/seed02617006/poe/wheel"
)

// A session that answers each line in upper case, over an in-memory
// connection; the peer ends the conversation by closing its side.
func ExampleNewReadWrite() {
	server, client := net.Pipe()
	k := kernel.New()
	_, _ = session.Create(session.Options{Kernel: k, InlineStates: kernel.States{
		"_start": func(e *kernel.Event) any {
			w, err := wheel.NewReadWrite(e.Kernel, wheel.ReadWriteOptions{
				Handle:     server,
				InputEvent: "got_line",
				ErrorEvent: "got_error",
			})
			if err != nil {
				fmt.Println(err)
				return nil
			}
			e.Heap["wheel"] = w
			return nil
		},
		"got_line": func(e *kernel.Event) any {
			line := e.Args[0].(string)
			fmt.Println("got", line)
			e.Heap["wheel"].(*wheel.ReadWrite).Put(strings.ToUpper(line))
			return nil
		},
		"got_error": func(e *kernel.Event) any {
			op, errnum := e.Args[0], e.Args[1]
			fmt.Println(op, "error", errnum) // "read" 0 is EOF
			e.Heap.Delete("wheel")
			return nil
		},
	}})
	answers := make(chan string)
	go func() {
		var got strings.Builder
		buf := make([]byte, 64)
		for _, line := range []string{"hello\n", "world\n"} {
			_, _ = client.Write([]byte(line))
			n, _ := io.ReadAtLeast(client, buf, len(line)+1) // CR LF
			got.Write(buf[:n])
		}
		client.Close()
		answers <- got.String()
	}()
	_ = k.Run()
	fmt.Printf("peer got %q\n", <-answers)
	// Output:
	// got hello
	// got world
	// read error 0
	// peer got "HELLO\r\nWORLD\r\n"
}

// Go errors become POE's errnum and errstr, as $!+0 and "$!".
func ExampleErrno() {
	for _, err := range []error{io.EOF, syscall.ECONNREFUSED, &net.OpError{Op: "dial", Err: syscall.EADDRINUSE}} {
		num, str := wheel.Errno(err)
		fmt.Printf("%d %q\n", num, str)
	}
	// Output:
	// 0 ""
	// 111 "Connection refused"
	// 98 "Address already in use"
}
